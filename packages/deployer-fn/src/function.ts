import * as functions from '@google-cloud/functions-framework';
import { createOnNewImage } from './on-new-image';

// The entry point: config is validated here, at load, so a bad deploy fails at start.
functions.cloudEvent('onNewImage', createOnNewImage());
