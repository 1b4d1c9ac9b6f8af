// The single import point for TensorFlow.js. Every tfjs package is loaded through Node's own
// resolution (their CommonJS "main" entries), so exactly one tfjs engine exists in a process:
// importing a second module format would create a second engine with its own backend registry.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

export { tf, tfl };
