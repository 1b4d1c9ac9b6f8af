export { SoloProducer, type BlockDecider, type SoloProducerOptions } from './solo-producer.ts';
