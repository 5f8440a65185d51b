// Every model the converter builds, in manifest order.
import { faceApiRecognition } from './face-api-recognition.js';
import { HUMAN_RECIPES } from './human-models.js';
import { nsfwMobilenetV2 } from './nsfw-mobilenet-v2.js';
import type { ModelRecipe } from './recipe.js';

export const RECIPES: ModelRecipe[] = [nsfwMobilenetV2, ...HUMAN_RECIPES, faceApiRecognition];
