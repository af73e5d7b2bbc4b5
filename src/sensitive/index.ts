export { desiredSecrets, liveSecrets, liveUrlIsSensitive, runSecrets } from './collect.js';
export { encodedForms } from './encodings.js';
export { CHANGED_PLACEHOLDER, jsonChange, showChange } from './render.js';
export { MASK_MIN_LENGTH, SecretSet, type SecretSetInput, WITHHELD } from './secret-set.js';
export { describeGivenUrl, looksLikeToken, urlCarriesCredential, urlCredentialReasons } from './url.js';
export { isSensitive, type Marked, mark, PLACEHOLDER, reveal, Sensitive, show } from './value.js';
