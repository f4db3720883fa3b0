/**
 * Self-contained HTML pages: vega, vega-lite and vega-embed are inlined from their npm packages and
 * every chart's spec and data are embedded, so a page opens from file:// with no network.
 *
 * @module
 */
import "vega-embed"; // installs the package whose browser bundle is inlined below
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Spec } from "./specs.ts";

const require = createRequire(import.meta.url);

function bundle(pkg: string, file: string): string {
  let dir = dirname(require.resolve(pkg));
  for (let i = 0; i < 4; i++) {
    try {
      return Deno.readTextFileSync(join(dir, "build", file));
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error(`cannot find ${pkg}/build/${file} to inline`);
}

let libs: string | undefined;
/** The three browser bundles as inline script tags (read once). */
function inlineLibs(): string {
  libs ??= [["vega", "vega.min.js"], ["vega-lite", "vega-lite.min.js"], ["vega-embed", "vega-embed.min.js"]]
    .map(([p, f]) => `<script>${bundle(p, f).replaceAll("</script", "<\\/script")}</script>`)
    .join("\n");
  return libs;
}

/** Escapes text for HTML. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Marks a table cell as trusted HTML instead of text. */
export function raw(html: string): { html: string } {
  return { html };
}

/** A verdict word, coloured (the page style's `v-<verdict>` classes). */
export function verdictCell(v: string): { html: string } {
  return raw(`<span class="v-${v.replace(/ /g, "-")}">${esc(v)}</span>`);
}

/** An HTML table from rows of cells (numbers to 4 significant digits; text escaped unless {@link raw}). */
export function table(headers: string[], rows: unknown[][], caption?: string): string {
  const cell = (v: unknown) =>
    typeof v === "number"
      ? (Number.isInteger(v) ? String(v) : v.toPrecision(4))
      : v && typeof v === "object" && "html" in v
      ? String((v as { html: string }).html)
      : esc(v ?? "");
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${
    headers.map((h) => `<th>${esc(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
}

/** A PNG as an inline image, optionally scaled `scale` times with crisp pixels (small sample grids). */
export function inlinePng(bytes: Uint8Array, alt: string, scale = 1): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  // Scaled with crisp pixels (the width is the PNG header's, bytes 16-19 big-endian).
  const width = bytes.length > 24 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(16) : 0;
  const style = scale !== 1 && width
    ? ` style="width:${Math.round(width * scale)}px;image-rendering:pixelated"`
    : "";
  return `<img alt="${esc(alt)}"${style} src="data:image/png;base64,${btoa(bin)}">`;
}

/** A page: title, body sections (HTML), and charts rendered into `<div class="chart" id=...>`. */
export function page(
  title: string,
  body: string,
  charts: Record<string, Spec>,
  nav: [string, string][] = [],
): string {
  const embeds = Object.entries(charts)
    .map(([id, spec]) =>
      `vegaEmbed(${JSON.stringify("#" + id)}, ${
        JSON.stringify(spec)
      }, {actions: false, renderer: "svg"}).catch((e) => { document.getElementById(${
        JSON.stringify(id)
      }).textContent = "chart failed: " + e; console.error(e); });`
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; max-width: 1180px; margin: 24px auto; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; } caption { text-align: left; color: #555; padding: 4px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
.note { color: #555; background: #f8f8f2; border-left: 3px solid #bbb; padding: 6px 10px; }
.v-reproduced { color: #17663a; font-weight: 600; } .v-weak { color: #9a6b00; font-weight: 600; } .v-opposite { color: #a12; font-weight: 600; }
.v-partly { color: #9a6b00; font-weight: 600; } .v-not-reproduced { color: #a12; font-weight: 600; }
nav a { margin-right: 14px; } img { image-rendering: pixelated; max-width: 100%; border: 1px solid #ddd; }
.chart { margin: 10px 0 20px; }
</style>
${inlineLibs()}
</head><body>
<nav>${nav.map(([href, label]) => `<a href="${esc(href)}">${esc(label)}</a>`).join("")}</nav>
<h1>${esc(title)}</h1>
${body}
<script>
${embeds}
</script>
</body></html>
`;
}
