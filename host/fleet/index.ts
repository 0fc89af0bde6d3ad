/** Fleet learning over MQTT: see docs/fleet.md. */
export * from './errors.js';
export * from './state.js';
export * from './payload.js';
export * from './config.js';
export * from './client.js';
export * from './gateway.js';
