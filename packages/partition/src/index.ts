// @splitc/partition: the DPU and GPU halves of a split as ONNX models.
export { partitionGraph, partitionBytes, type Partition, type Partitioned, type PartitionOptions, type CrossingSignature, type TensorSignature, type Side } from './partition.js';
export { writePartition, writeParts } from './write.js';
