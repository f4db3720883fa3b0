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

/** What {@link scanModule} finds in one source file. */
export interface ScannedModule {
  /** The code's tokens, joined by NUL: equal for sources that differ only in comments and layout. */
  code: string;
  /** Relative module specifiers this file imports or re-exports (static and dynamic, literal only). */
  imports: string[];
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
  const imports: string[] = [];
  const walk = (node: ts.Node) => {
    if (isJsDoc(node)) return;
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) imports.push(node.moduleSpecifier.text);
    if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length && ts.isStringLiteralLike(node.arguments[0])
    ) imports.push(node.arguments[0].text);
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
  return { code: out.join("\0"), imports: imports.filter((s) => s.startsWith("./") || s.startsWith("../")) };
}
