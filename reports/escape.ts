// Every string that comes from a build, a file name or the environment goes through here.
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** A relative path as a URL: each segment percent-encoded ('#', '?', spaces, newlines…). */
export const pathHref = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** An HTML id from any string (package names may hold anything). */
export const anchorId = (text: string): string => `pkg-${Buffer.from(text).toString('hex')}`;

// A file name, a log line or a diff may hold newlines or escape sequences: on a
// terminal or in a CI log they would retitle or clear the screen, or draw over the
// verdict, so everything from a build has its control characters shown escaped.
export const printable = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
