// @splitc/partition: the DPU and GPU halves of a split as ONNX models.
export { partitionGraph, partitionBytes, completePartition, type Partition, type Partitioned, type PartitionOptions, type CrossingSignature, type TensorSignature, type Side } from './partition.js';
export { openParts, writePartition, writeParts, type PartsWriter } from './write.js';
