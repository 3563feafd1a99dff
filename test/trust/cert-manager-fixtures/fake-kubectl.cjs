/**
 * A fake `kubectl` for phase2-check.sh: the clusters are a JSON state file (FAKE_KUBECTL_STATE),
 * changed in place by apply/wait/delete; every call is appended to FAKE_KUBECTL_LOG. jsonpath
 * output is rendered by the real kubectl (REAL_KUBECTL, `annotate --local`, which needs no
 * server), so the script's templates meet kubectl's own jsonpath semantics.
 *
 * State: { current, clusters: { <context>: { objects: { <plural>: [obj] }, raw: { <path>: text }, issuance: { ready, tlsCrt } } } }
 */
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const PLURALS = { clusterissuer: "clusterissuers", issuer: "issuers", certificate: "certificates", secret: "secrets" };
const CLUSTER_SCOPED = new Set(["clusterissuers"]);

function die(message, code = 1) {
    process.stderr.write(`${message}\n`);
    process.exit(code);
}

const stateFile = process.env.FAKE_KUBECTL_STATE;
const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_KUBECTL_LOG, `${JSON.stringify(argv)}\n`);

// Flags anywhere, as kubectl takes them; the rest are positional.
const flags = {};
const positional = [];
for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.match(/^(--?[a-zA-Z-]+)=(.*)$/s);
    if (eq) {
        flags[eq[1]] = eq[2];
    } else if (["--context", "-n", "--namespace", "-o", "-f", "--for", "--timeout", "--raw"].includes(arg)) {
        flags[arg] = argv[++i];
    } else if (arg.startsWith("-")) {
        flags[arg] = true;
    } else {
        positional.push(arg);
    }
}
const context = flags["--context"] ?? state.current;
const cluster = state.clusters[context];
if (!cluster) {
    die(`error: context "${context}" does not exist`);
}
const namespace = flags["-n"] ?? flags["--namespace"] ?? "default";
const [verb, resourceArg, nameArg] = positional;

function plural(resource) {
    const key = String(resource).toLowerCase().split(".")[0].replace(/s$/, "");
    const found = PLURALS[key];
    if (!found) {
        die(`error: the server doesn't have a resource type "${resource}"`);
    }
    return found;
}

function list(resource) {
    cluster.objects[resource] ??= [];
    return cluster.objects[resource];
}

function find(resource, name) {
    return list(resource).find((o) => o.metadata.name === name && (CLUSTER_SCOPED.has(resource) || (o.metadata.namespace ?? "default") === namespace));
}

function save() {
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

/** Renders a jsonpath template over each object with the real kubectl. */
function jsonpath(objects, template) {
    if (objects.length === 0) {
        return "";
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kubectl-"));
    const file = path.join(dir, "objects.json");
    fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
    const run = spawnSync(process.env.REAL_KUBECTL, ["annotate", "--local", "-f", file, "fake.test/render=1", "-o", `jsonpath=${template}`], {
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: path.join(dir, "none") },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    if (run.status !== 0) {
        die(run.stderr);
    }
    return run.stdout;
}

function get() {
    if (flags["--raw"] !== undefined) {
        const raw = (cluster.raw ?? {})[flags["--raw"]];
        if (raw === undefined) {
            die("Error from server (NotFound): the server could not find the requested resource");
        }
        return process.stdout.write(raw);
    }
    const resource = plural(resourceArg);
    const output = String(flags["-o"] ?? "");
    if (!output.startsWith("jsonpath=")) {
        die(`fake kubectl: only -o jsonpath is supported, got ${output}`, 3);
    }
    const template = output.slice("jsonpath=".length);
    if (nameArg) {
        const object = find(resource, nameArg);
        if (!object) {
            die(`Error from server (NotFound): ${resource} "${nameArg}" not found`);
        }
        return process.stdout.write(jsonpath([object], template));
    }
    const range = template.match(/^\{range \.items\[\*\]\}(.*)\{end\}$/s);
    if (!range) {
        die(`fake kubectl: a list is read with {range .items[*]}...{end}, got ${template}`, 3);
    }
    const all = flags["-A"] || flags["--all-namespaces"] || CLUSTER_SCOPED.has(resource);
    const objects = list(resource).filter((o) => all || (o.metadata.namespace ?? "default") === namespace);
    process.stdout.write(jsonpath(objects, range[1]));
}

function apply() {
    if (flags["-f"] !== "-") {
        die("fake kubectl: apply reads stdin only", 3);
    }
    // Loaded here only: most calls are gets, and node starts faster without it.
    const object = require("yaml").parse(fs.readFileSync(0, "utf8"));
    const resource = plural(object.kind);
    const items = list(resource);
    const at = items.findIndex((o) => o.metadata.name === object.metadata.name && o.metadata.namespace === object.metadata.namespace);
    items.splice(at < 0 ? items.length : at, at < 0 ? 0 : 1, object);
    save();
    process.stdout.write(`${resource}/${object.metadata.name} created\n`);
}

function wait() {
    const [kind, name] = String(resourceArg).split("/");
    const resource = plural(kind);
    const object = find(resource, name);
    if (!object || flags["--for"] !== "condition=Ready" || !cluster.issuance?.ready) {
        die(`error: timed out waiting for the condition on ${resource}/${name}`);
    }
    object.status = { conditions: [{ type: "Ready", status: "True" }] };
    list("secrets").push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: object.spec.secretName, namespace },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(cluster.issuance.tlsCrt).toString("base64") },
    });
    save();
    process.stdout.write(`${resource}/${name} condition met\n`);
}

function del() {
    const resource = plural(resourceArg);
    const items = list(resource);
    const object = find(resource, nameArg);
    if (!object) {
        return flags["--ignore-not-found"] ? undefined : die(`Error from server (NotFound): ${resource} "${nameArg}" not found`);
    }
    items.splice(items.indexOf(object), 1);
    save();
    process.stdout.write(`${resource} "${nameArg}" deleted\n`);
}

const verbs = { get, apply, wait, delete: del };
if (!verbs[verb]) {
    die(`fake kubectl: verb ${verb} not supported`, 3);
}
verbs[verb]();
