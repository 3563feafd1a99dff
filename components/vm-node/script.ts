/**
 * The one format for scripts that run on nodes: bash, strict mode, the body in a function, and
 * files embedded as quoted heredocs.
 */

/** A file a script writes on the node. */
export interface NodeFile {
    /** Absolute path on the node. */
    path: string;
    /** Full content. */
    content: string;
    /** Octal mode, e.g. "0600". */
    mode: string;
}

const FILE_DELIMITER = "PLATFORM_FILE_EOF";

/** Shell lines that write `file` atomically enough for re-runs: same content, same result. */
export function embedFile(file: NodeFile): string {
    if (!file.path.startsWith("/") || /\s/.test(file.path)) {
        throw new Error(`node file path must be absolute with no spaces: ${JSON.stringify(file.path)}`);
    }
    if (file.content.split("\n").includes(FILE_DELIMITER)) {
        throw new Error(`content of ${file.path} contains the heredoc delimiter line ${FILE_DELIMITER}`);
    }
    const body = file.content.endsWith("\n") ? file.content : `${file.content}\n`;
    const dir = file.path.slice(0, file.path.lastIndexOf("/")) || "/";
    return [
        `install -d -m 0755 ${dir}`,
        `(umask 077 && cat > ${file.path} <<'${FILE_DELIMITER}'`,
        `${body}${FILE_DELIMITER}`,
        ")",
        `chmod ${file.mode} ${file.path}`,
    ].join("\n");
}

/** Reads back the files `embedFile` wrote into a script, in order. */
export function extractEmbeddedFiles(script: string): NodeFile[] {
    const pattern = new RegExp(`^\\(umask 077 && cat > (\\S+) <<'${FILE_DELIMITER}'\\n([\\s\\S]*?)^${FILE_DELIMITER}\\n\\)\\nchmod ([0-7]{3,4}) \\1$`, "gm");
    return [...script.matchAll(pattern)].map((m) => ({ path: m[1], content: m[2], mode: m[3] }));
}

/**
 * A complete node script: shebang, a purpose line, strict mode, then the body inside `main`, which
 * the last line calls. Bash reads a script from stdin (`sudo bash -s`) one command at a time, so a
 * child that reads stdin (a dpkg prompt, `ssh`) would swallow the lines not yet read; a function
 * definition is one command, read whole before any of it runs. Bodies are not indented, so heredocs
 * keep their content as written.
 */
export function renderNodeScript(purpose: string, body: string[]): string {
    return ["#!/bin/bash", `# ${purpose}`, "set -euo pipefail", "", "main() {", ...body, "}", "", "main", ""].join("\n");
}

/** Single-quotes a value for bash. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
