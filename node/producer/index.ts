export { SoloProducer, type SoloProducerOptions } from './solo-producer.ts';
export type { BlockDecider } from '../chain/index.ts';
