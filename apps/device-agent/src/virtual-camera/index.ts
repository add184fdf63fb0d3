export { createVirtualCamera } from './virtual-camera.server';
export type { VirtualCamera, VirtualCameraOptions } from './virtual-camera.options';
