/**
 * The path POST /predict is served at. The error handler, the metrics and the
 * OpenAPI document single out this route by it, so it is written once.
 */
export const PREDICT_PATH = '/predict';
