/**
 * The code of a TypeScript module as its token stream: comments and whitespace dropped, string
 * literals in one quoting, trailing commas removed. Two sources with equal token streams behave
 * the same, so a code hash built from tokens survives documentation edits and `deno fmt`.
 *
 * The tokens come from TypeScript's own parser (npm `typescript`, the JS API of 5.x), not from a
 * regex: regex literals, template strings and comment-like text inside strings are classified as
 * the compiler classifies them.
 *
 * @module
 */
import ts from "typescript";

/** A relative module one declaration reads, and which of its exports ("*": all, or the whole module runs). */
export interface ModuleUse {
  spec: string;
  names: string[] | "*";
}

/** A re-export of a barrel: the module, and exported name -> its name in that module ("*": all of it). */
export interface ReExport {
  spec: string;
  names: Record<string, string> | "*";
}

/** What {@link scanModule} finds in one source file. */
export interface ScannedModule {
  /** The code's tokens, joined by NUL: equal for sources that differ only in comments and layout. */
  code: string;
  /** Relative module specifiers this file imports or re-exports (static and dynamic, literal only). */
  imports: string[];
  /** The same, with the names each declaration takes. */
  uses: ModuleUse[];
  /**
   * Set when the module only re-exports (`export { a } from "./x.ts"`, `export * from ...`): a public face
   * (`mod.ts`) whose importers depend only on the modules that supply the names they import.
   */
  barrel?: ReExport[];
}

const isRelative = (s: string) => s.startsWith("./") || s.startsWith("../");

/** The names an import or export-from declaration takes from its module. */
function namesOf(node: ts.ImportDeclaration | ts.ExportDeclaration): string[] | "*" {
  if (ts.isExportDeclaration(node)) {
    const c = node.exportClause;
    if (!c || !ts.isNamedExports(c)) return "*";
    return c.elements.map((e) => (e.propertyName ?? e.name).text);
  }
  const clause = node.importClause;
  if (!clause) return "*"; // a side-effect import runs the module
  const names: string[] = [];
  if (clause.name) names.push("default");
  const b = clause.namedBindings;
  if (b && ts.isNamespaceImport(b)) return "*";
  if (b) { for (const e of b.elements) names.push((e.propertyName ?? e.name).text); }
  return names;
}

/** The re-exports of a module made only of `export ... from` declarations, else undefined. */
function barrelOf(sf: ts.SourceFile): ReExport[] | undefined {
  const out: ReExport[] = [];
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) return;
    const spec = st.moduleSpecifier.text;
    if (!isRelative(spec)) return;
    const c = st.exportClause;
    if (!c || !ts.isNamedExports(c)) {
      if (c) return; // export * as ns: a namespace, kept whole
      out.push({ spec, names: "*" });
      continue;
    }
    out.push({
      spec,
      names: Object.fromEntries(c.elements.map((e) => [e.name.text, (e.propertyName ?? e.name).text])),
    });
  }
  return out.length ? out : undefined;
}

const CLOSERS = new Set([
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.GreaterThanToken,
]);

function isJsDoc(node: ts.Node): boolean {
  return node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode;
}

function scriptKind(fileName: string): ts.ScriptKind {
  if (/\.tsx$/.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** Parses a module and returns its normalised token stream and its relative imports. */
export function scanModule(text: string, fileName = "module.ts"): ScannedModule {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, scriptKind(fileName));
  const leaves: ts.Node[] = [];
  const uses: ModuleUse[] = [];
  const walk = (node: ts.Node) => {
    if (isJsDoc(node)) return;
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) uses.push({ spec: node.moduleSpecifier.text, names: namesOf(node) });
    if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length && ts.isStringLiteralLike(node.arguments[0])
    ) uses.push({ spec: node.arguments[0].text, names: "*" });
    const kids = node.getChildren(sf);
    if (kids.length === 0) {
      if (node.kind !== ts.SyntaxKind.EndOfFileToken) leaves.push(node);
      return;
    }
    for (const k of kids) walk(k);
  };
  walk(sf);
  const out: string[] = [];
  for (let i = 0; i < leaves.length; i++) {
    const node = leaves[i];
    // A comma right before a closing bracket is layout (deno fmt adds it when it breaks a list), unless
    // it follows a hole (`[a, ,]`), where it counts.
    if (node.kind === ts.SyntaxKind.CommaToken && i + 1 < leaves.length && CLOSERS.has(leaves[i + 1].kind)) {
      const prev = leaves[i - 1];
      if (prev && prev.kind !== ts.SyntaxKind.CommaToken && prev.kind !== ts.SyntaxKind.OmittedExpression) {
        continue;
      }
    }
    if (node.kind === ts.SyntaxKind.StringLiteral) out.push(JSON.stringify((node as ts.StringLiteral).text));
    else out.push(node.getText(sf));
  }
  const local = uses.filter((u) => isRelative(u.spec));
  return { code: out.join("\0"), imports: local.map((u) => u.spec), uses: local, barrel: barrelOf(sf) };
}
