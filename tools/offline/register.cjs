/**
 * `node -r ./tools/offline/register.cjs file.ts`: runs the project's TypeScript without type
 * checking, as `ts-node --transpile-only` does (`tsc --noEmit` checks types separately), but keeps
 * every transpiled file in node_modules/.cache/offline-plan, keyed by its content, the compiler
 * version and tsconfig.json. Only a changed file pays for loading the compiler, and only in the
 * first process that meets it: each offline stack run is a fresh process.
 *
 * Node's own source maps stay off: the SDK formats a stack trace for every resource and promise
 * it creates, and mapping each one costs more than running the stack program. `mapStack` maps the
 * one stack trace that is shown, the program's failure.
 *
 * Plain CommonJS because it is what loads TypeScript; it has no dependency beyond `typescript`.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const { SourceMap } = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "offline-plan");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const SALT = `${require("typescript/package.json").version}\n${fs.readFileSync(TSCONFIG, "utf8")}`;

let compilerOptions; // loaded with the compiler, on the first cache miss

function transpile(source, filename) {
    const ts = require("typescript");
    if (!compilerOptions) {
        const { config } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
        compilerOptions = ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
        // Emit beside the source, so that the inline map's paths resolve to the .ts file itself.
        for (const option of ["outDir", "rootDir", "sourceMap", "declaration", "noEmit"]) {
            delete compilerOptions[option];
        }
        Object.assign(compilerOptions, { inlineSourceMap: true, inlineSources: true });
    }
    const out = ts.transpileModule(source, { fileName: filename, compilerOptions, reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }));
    }
    return out.outputText;
}

function cached(source, filename) {
    const key = crypto.createHash("sha256").update(SALT).update("\0").update(filename).update("\0").update(source).digest("hex");
    const file = path.join(CACHE_DIR, `${key}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        const js = transpile(source, filename);
        try {
            // Write then rename: parallel runs never read a half-written file.
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, js);
            fs.renameSync(tmp, file);
        } catch {
            // A read-only checkout still runs, without the cache.
        }
        return js;
    }
}

/** Transpiled output by file, for `mapStack`; its maps are parsed only when a stack is mapped. */
const compiled = new Map();
const sourceMaps = new Map();

function sourceMapOf(file) {
    if (!sourceMaps.has(file)) {
        const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(compiled.get(file) ?? "");
        sourceMaps.set(file, inline ? new SourceMap(JSON.parse(Buffer.from(inline[1], "base64").toString("utf8"))) : undefined);
    }
    return sourceMaps.get(file);
}

/** `stack` with each position in a TypeScript file loaded here mapped back to its source line and column. */
function mapStack(stack) {
    return stack.replace(/(\/[^\s():]+\.ts):(\d+):(\d+)/g, (position, file, line, column) => {
        const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
        return entry?.originalLine === undefined ? position : `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

require.extensions[".ts"] = (module, filename) => {
    const js = cached(fs.readFileSync(filename, "utf8"), filename);
    compiled.set(filename, js);
    module._compile(js, filename);
};

module.exports = { mapStack };
