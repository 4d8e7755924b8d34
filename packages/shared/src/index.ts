export * from './errors';
export * from './logger';
export * from './config';
export * from './image-ref';
export * from './build-status';
export * from './timestamp';
export * from './pubsub-envelope';
export * from './build-message';
