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
