export { renderTemplateText, renderTemplateTextTracked, renderValue, renderString, checkTemplate, holdsSecret } from './render.js';
export { lazyScope } from './lazy-scope.js';
export { toTemplateContext, markRaw } from './views.js';
export { trackSecrets } from './secrets.js';
export { toPlain } from './plain.js';
export { HELPERS } from './helpers.js';
export * as net from './network.js';
