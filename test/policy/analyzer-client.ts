// A test client for the pack's real CrossGuard analyzer: starts `policy-pack/index.ts` (which serves
// the Analyzer gRPC service of @pulumi/policy, as `pulumi preview --policy-pack policy-pack` does),
// and talks to it with the Pulumi CLI's own stubs (@pulumi/pulumi/proto) over @grpc/grpc-js.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type { Policies } from "@pulumi/policy";
import type { PlannedResource } from "../../policy-pack/evaluate";
import { packEnforcementLevel } from "../../policy-pack/policies";
import { REPO_ROOT } from "../support/offline";

const PACK_DIR = path.join(REPO_ROOT, "policy-pack");

// The messages must come from the very modules analyzer_pb.js loads, or jspb's instanceof checks fail.
const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb.js"));
const fromProto = (id: string): any => require(require.resolve(id, { paths: [protoDir] }));
const analyzerpb: any = require(path.join(protoDir, "analyzer_pb.js"));
const analyzerrpc: any = require(path.join(protoDir, "analyzer_grpc_pb.js"));
const grpc: any = fromProto("@grpc/grpc-js");
const { Struct } = fromProto("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = fromProto("google-protobuf/google/protobuf/empty_pb.js");

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";

/** As @pulumi/policy protoutil.js convertEnforcementLevel / mapEnforcementLevel. */
export function levelFromProto(value: number): Level {
    switch (value) {
        case analyzerpb.EnforcementLevel.ADVISORY:
            return "advisory";
        case analyzerpb.EnforcementLevel.MANDATORY:
            return "mandatory";
        case analyzerpb.EnforcementLevel.REMEDIATE:
            return "remediate";
        case analyzerpb.EnforcementLevel.DISABLED:
            return "disabled";
        default:
            throw new Error(`unknown enforcement level ${value}`);
    }
}

export function levelToProto(level: Level): number {
    switch (level) {
        case "advisory":
            return analyzerpb.EnforcementLevel.ADVISORY;
        case "mandatory":
            return analyzerpb.EnforcementLevel.MANDATORY;
        case "remediate":
            return analyzerpb.EnforcementLevel.REMEDIATE;
        case "disabled":
            return analyzerpb.EnforcementLevel.DISABLED;
    }
}

/** The config the engine sends in Configure: each policy's schema defaults and its level. */
export function engineConfig(policies: Policies): Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }> {
    return Object.fromEntries(
        policies.map((p) => {
            const properties = Object.fromEntries(
                Object.entries(p.configSchema?.properties ?? {})
                    .filter(([, s]) => typeof s === "object" && (s as { default?: unknown }).default !== undefined)
                    .map(([k, s]) => [k, (s as { default: unknown }).default]),
            );
            return [p.name, { enforcementLevel: (p.enforcementLevel ?? packEnforcementLevel) as Level, properties }];
        }),
    );
}

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: Level;
    policyType: "resource" | "stack" | "unknown";
    configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export interface AnalyzerInfo {
    name: string;
    policies: PolicyInfo[];
    initialConfig: Record<string, { enforcementLevel: Level; properties?: Record<string, unknown> }>;
}

export interface Diagnostic {
    policyName: string;
    enforcementLevel: Level;
    /** As the server builds it: the policy description, a newline, then the reported message. */
    message: string;
    description: string;
    /** Empty when the policy did not name a resource. */
    urn: string;
}

/** The JSON the engine would marshal: plain values only (undefined fields dropped). */
const toStruct = (value: object) => Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));

function optionsOf(r: PlannedResource): any {
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(false);
    opts.setIgnorechangesList([]);
    opts.setAliasesList([]);
    opts.setAdditionalsecretoutputsList([]);
    if (r.parent) {
        opts.setParent(r.parent);
    }
    return opts;
}

function diagnosticsOf(resp: any): Diagnostic[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policyName: d.getPolicyname(),
        enforcementLevel: levelFromProto(d.getEnforcementlevel()),
        message: d.getMessage(),
        description: d.getDescription(),
        urn: d.getUrn(),
    }));
}

export class AnalyzerServer {
    private child?: ChildProcess;
    private client?: any;
    private stderr = "";

    /**
     * Starts the pack's analyzer and connects to the port it prints. By default from the repository,
     * with the root project's ts-node in transpile-only mode (fast). With `engine`, from `packDir` the
     * way `pulumi preview --policy-pack DIR` does (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go
     * NewPolicyAnalyzer): the pack's own `@pulumi/pulumi/cmd/run-policy-pack` with the arguments
     * `<engine address> .` and the pack directory as working directory, which registers the pack's own
     * ts-node with type checking (sdk/nodejs/cmd/run-policy-pack/run.ts).
     */
    async start(opts: { packDir?: string; engine?: boolean } = {}, timeoutMs = 180000): Promise<void> {
        const cwd = opts.packDir ?? PACK_DIR;
        const args = opts.engine
            ? [path.join(cwd, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:0", "."]
            : ["-r", "ts-node/register/transpile-only", "index.ts"];
        // Nothing of this test process's module setup may leak into the pack's.
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TS_NODE_|NODE_OPTIONS$|NODE_PATH$)/.test(k)));
        const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        this.child = child;
        child.stderr!.on("data", (chunk) => {
            this.stderr += chunk;
        });
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => fail(new Error(`analyzer printed no port within ${timeoutMs} ms`)), timeoutMs);
            const fail = (e: Error) => {
                clearTimeout(timer);
                reject(new Error(`${e.message}\nstdout: ${out}\nstderr: ${this.stderr}`));
            };
            child.on("error", fail);
            child.on("exit", (code, signal) => fail(new Error(`analyzer exited (code ${code}, signal ${signal}) before printing its port`)));
            child.stdout!.on("data", (chunk) => {
                out += chunk;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
        });
        this.client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    }

    /** Closes the client and kills the server; safe to call more than once or after a failed start. */
    stop(): void {
        this.client?.close();
        this.client = undefined;
        const child = this.child;
        this.child = undefined;
        if (child && child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
        }
    }

    /** What the server wrote on stderr, for failure messages. */
    get serverStderr(): string {
        return this.stderr;
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        if (!this.client) {
            return Promise.reject(new Error("analyzer client is not started"));
        }
        return new Promise((resolve, reject) => {
            this.client[method](request, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp)));
        });
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const info: any = await this.call("getAnalyzerInfo", new Empty());
        const initialConfig: AnalyzerInfo["initialConfig"] = {};
        for (const [k, v] of info.getInitialconfigMap().entries()) {
            initialConfig[k] = {
                enforcementLevel: levelFromProto(v.getEnforcementlevel()),
                ...(v.hasProperties() ? { properties: v.getProperties().toJavaScript() } : {}),
            };
        }
        return {
            name: info.getName(),
            policies: info.getPoliciesList().map((p: any): PolicyInfo => ({
                name: p.getName(),
                description: p.getDescription(),
                enforcementLevel: levelFromProto(p.getEnforcementlevel()),
                policyType:
                    p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_RESOURCE
                        ? "resource"
                        : p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK
                          ? "stack"
                          : "unknown",
                ...(p.hasConfigschema()
                    ? {
                          configSchema: { properties: p.getConfigschema().getProperties().toJavaScript(), required: p.getConfigschema().getRequiredList() },
                      }
                    : {}),
            })),
            initialConfig,
        };
    }

    /** Configure RPC: per policy, its enforcement level and its config properties. */
    async configure(config: Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }>): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, { enforcementLevel, properties }] of Object.entries(config)) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(levelToProto(enforcementLevel));
            pc.setProperties(toStruct(properties));
            map.set(name, pc);
        }
        await this.call("configure", req);
    }

    /** Analyze RPC: the resource policies on one resource's inputs. */
    async analyze(r: PlannedResource): Promise<Diagnostic[]> {
        const req = new analyzerpb.AnalyzeRequest();
        req.setType(r.type);
        req.setProperties(toStruct(r.inputs));
        req.setUrn(r.urn);
        req.setName(r.name);
        req.setOptions(optionsOf(r));
        return diagnosticsOf(await this.call("analyze", req));
    }

    /** AnalyzeStack RPC: the stack policies on every resource, with parents and dependencies. */
    async analyzeStack(resources: PlannedResource[]): Promise<Diagnostic[]> {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            resources.map((r) => {
                const ar = new analyzerpb.AnalyzerResource();
                ar.setType(r.type);
                ar.setProperties(toStruct(r.inputs));
                ar.setUrn(r.urn);
                ar.setName(r.name);
                ar.setOptions(optionsOf(r));
                if (r.parent) {
                    ar.setParent(r.parent);
                }
                ar.setDependenciesList(r.dependencies);
                const deps = ar.getPropertydependenciesMap();
                for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
                    const pd = new analyzerpb.AnalyzerPropertyDependencies();
                    pd.setUrnsList(urns);
                    deps.set(prop, pd);
                }
                return ar;
            }),
        );
        return diagnosticsOf(await this.call("analyzeStack", req));
    }

    /**
     * What a preview reports: Analyze on each resource (a diagnostic without a URN belongs to the
     * analyzed resource), then AnalyzeStack on them all.
     */
    async preview(resources: PlannedResource[]): Promise<Diagnostic[]> {
        const out: Diagnostic[] = [];
        for (const r of resources) {
            for (const d of await this.analyze(r)) {
                out.push({ ...d, urn: d.urn || r.urn });
            }
        }
        out.push(...(await this.analyzeStack(resources)));
        return out;
    }
}
