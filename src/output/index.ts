export { type JsonChange, type JsonDocument, renderJson, toJsonDocument } from './json.js';
export { renderMarkdown } from './markdown.js';
export { renderText, type TextOptions } from './text.js';
