/**
 * Event transforms: pure functions over EventBatch (the input is never written; results are new
 * batches or new typed arrays). Each file's header states what its transforms compute, their units
 * and references. Options are checked up front and bad ones raise UsageError.
 */
export { centerCrop, crop, flipX, flipY, type Rect } from './geometry.js';
export { timeShift, toRelativeTime } from './time.js';
export { downsample, downsampleGeometry, type DownsampleOptions } from './downsample.js';
export { mergePolarity, type MergePolarityOptions } from './polarity.js';
export { refractoryFilter, type RefractoryOptions } from './refractory.js';
export { denoise, type DenoiseOptions } from './denoise.js';
export {
  sliceByCount,
  sliceByTime,
  timeWindowCount,
  type SliceByCountOptions,
  type SliceByTimeOptions,
} from './slice.js';
export {
  MAX_FRAME_VALUES,
  timeSurface,
  toFrame,
  type FrameOptions,
  type Frames,
  type TimeSurfaceOptions,
} from './representations.js';
export { copyBatch } from './common.js';
