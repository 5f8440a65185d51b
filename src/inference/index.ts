// Public API of the inference layer. Other modules import from here only; see
// models/README.md ("Inference API") for the contract of each function.
export { InferenceError, type InferenceErrorCode } from './errors.js';
export { decodeImage, type RgbImage, type Box } from './image.js';
export { configureInference, releaseSessions, type InferenceOptions } from './sessions.js';
export { modelsDirOverride, repoModelFile } from './manifest.js';
export { classifyImageSafetyOffThread, scanQrCodesOffThread, closeModelWorkers } from './model-workers.js';
export { scanQrCodes, type QrCode, type ScanOptions } from './qr-scan.js';
export { classifyImageSafety, classifyImageSafetyBatch, SAFETY_CLASSES, type SafetyClass, type SafetyResult } from './safety.js';
export { detectFaces, embedFace, antispoof, estimateAge, type ImageInput } from './portrait.js';
export { analyzePortrait, analyzeFaces, faceInventory, type PortraitAnalysis, type PortraitFace, type PortraitOptions, type FaceInventory, type InventoryFace, type InventoryOptions } from './portrait-pass.js';
export { faceQuality, sharpness, pose, type FaceQuality } from './face-quality.js';
export { faceSimilarity, FACE_MATCH_THRESHOLD, AGE_BANDS, type FaceEmbedding, type SpoofScores, type AgeEstimate } from './face-analysis.js';
export { embedFace128, descriptor128Similarity, DESCRIPTOR_128_MATCH_THRESHOLD, type FaceDescriptor128 } from './face-descriptor-128.js';
export type { DetectedFace, DetectOptions, Point } from './faces.js';
export { ocr, closeOcr, type OcrLine, type OcrResult } from './ocr.js';
export { detectSpeech, VAD_SAMPLE_RATE, VAD_FRAME_SAMPLES, type SpeechResult, type SpeechSegment } from './speech.js';
