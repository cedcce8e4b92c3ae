export * from './identity';
export * from './read';
export * from './pixels';
export * from './scope';
export * from './write';
export * from './wrap';
export * from './errors';
