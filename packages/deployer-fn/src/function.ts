import * as functions from '@google-cloud/functions-framework';
import { createOnNewImageHttp } from './http-entry';

// The entry point: config is validated here, at load, so a bad deploy fails at start.
// Registered as HTTP so bodiless requests are refused cleanly (see http-entry.ts);
// this overrides `--signature-type=cloudevent`, and every CloudEvent shape still works.
functions.http('onNewImage', createOnNewImageHttp());
