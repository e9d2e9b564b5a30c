import sanitizeHtml from 'sanitize-html';

/**
 * HTML mail is hostile until proven otherwise. It is cleaned here (an allow
 * list: no scripts, no event handlers, no forms, no frames, no SVG, no CSS that
 * can run or fetch) and then shown in a sandboxed frame whose own
 * Content-Security-Policy forbids everything but inline styles and images from
 * data: (and https:, once the reader allows remote images). Either layer alone
 * would stop a script; both are kept because mail is the main way in.
 */
const SAFE_CSS_VALUE = /^(?!.*(?:expression|url\s*\(|javascript|vbscript|behaviou?r|@import|\\|-moz-binding))[-#%(),./\w\s'"!]+$/i;
const STYLE_PROPERTIES = [
  'color', 'background-color', 'font', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-align', 'text-decoration',
  'text-transform', 'line-height', 'letter-spacing', 'vertical-align', 'white-space', 'width', 'max-width', 'min-width', 'height',
  'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left', 'padding', 'padding-top', 'padding-right', 'padding-bottom',
  'padding-left', 'border', 'border-top', 'border-right', 'border-bottom', 'border-left', 'border-collapse', 'border-color',
  'border-style', 'border-width', 'border-radius', 'display', 'list-style-type',
];

export type SanitiseResult = { html: string; blockedImages: number };

/** Cleans an HTML body; remote images are dropped (and counted) unless the reader has allowed them. */
export function sanitiseMailHtml(dirty: string, opts: { allowRemoteImages: boolean }): SanitiseResult {
  let blockedImages = 0;
  const html = sanitizeHtml(dirty, {
    allowedTags: [
      'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt',
      'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'ol', 'p', 'pre', 'q', 's', 'small',
      'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul',
    ],
    disallowedTagsMode: 'discard',
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'iframe', 'object', 'embed', 'template'],
    allowedAttributes: {
      '*': ['style', 'align', 'valign', 'dir', 'lang', 'title', 'width', 'height', 'bgcolor', 'colspan', 'rowspan', 'border', 'cellpadding', 'cellspacing'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt'],
      font: ['color', 'face', 'size'],
    },
    allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((p) => [p, [SAFE_CSS_VALUE]])) },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['data', 'https', 'http'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowVulnerableTags: false,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer' } }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        // Only raster images as data: URLs; an SVG or HTML data: URL could carry script.
        if (/^data:/i.test(src)) {
          return /^data:image\/(png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]+$/i.test(src) ? { tagName, attribs } : { tagName, attribs: { alt: attribs.alt ?? '' } };
        }
        if (/^https?:/i.test(src)) {
          if (opts.allowRemoteImages && /^https:/i.test(src)) return { tagName, attribs };
          blockedImages++;
          return { tagName, attribs: { alt: attribs.alt ? `[image: ${attribs.alt}]` : '[image]' } };
        }
        return { tagName, attribs: { alt: attribs.alt ?? '' } };
      },
    },
  });
  return { html, blockedImages };
}

/** The frame's policy: nothing may load or run except inline styles and images as allowed. */
export function mailFrameCsp(allowRemoteImages: boolean): string {
  return [
    "default-src 'none'",
    `img-src data:${allowRemoteImages ? ' https:' : ''}`,
    "style-src 'unsafe-inline'",
    "frame-ancestors 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    // Opened on its own (not in our frame), the page is still sandboxed.
    'sandbox allow-popups allow-popups-to-escape-sandbox',
  ].join('; ');
}

/** The frame's whole document: the cleaned body in a minimal page (no script, no external anything). */
export function mailFrameDocument(cleanHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
    `<style>body{font-family:Arial,sans-serif;font-size:16px;line-height:1.5;margin:8px;color:#212b32;word-wrap:break-word}img{max-width:100%;height:auto}</style>` +
    `</head><body>${cleanHtml}</body></html>`;
}
