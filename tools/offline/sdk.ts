/**
 * Every place the offline engine relies on internals of @pulumi/pulumi 3.248 rather than on its
 * public API, in one module: the secret signature, the module graph, the mock monitor and its
 * gRPC requests, the `isKnown` flag and the wait for registrations. test/tools/sdk.spec.ts holds
 * a canary for each, so an SDK upgrade that moves one fails there, by name, instead of silently
 * changing the plan.
 *
 * Nothing here loads the SDK at import time: the plan's parent process imports the secret
 * signature without paying for the SDK, and `loadSdk` must run before the SDK's first load.
 */
import Module = require("module");
import * as path from "path";
import type * as pulumiSdk from "@pulumi/pulumi";
import type { RecordedResource, ResourceOptions } from "./record";

/** The key of Pulumi's special-value signature (`runtime/rpc.js` `specialSigKey`). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret value (`runtime/rpc.js` `specialSecretSig`). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The closure-serialization modules `runtime/index.js` loads eagerly, and their exports. Together
 * they pull in TypeScript and @npmcli/arborist: half of the SDK's load time, used only to
 * serialize functions (dynamic providers, `runtime.serializeFunction`), which no stack program does.
 */
export const DEFERRED_MODULES: Readonly<Record<string, readonly string[]>> = {
    "serializeClosure.js": ["serializeFunction", "serializeFunctionAsync"],
    "codePaths.js": ["computeCodePaths", "findWorkspaceRoot"],
};

/** `Module._load`, which Node keeps internal to its typings. */
type ModuleLoad = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: ModuleLoad; _resolveFilename(request: string, parent: NodeJS.Module | undefined): string };

let deferred = false;

/**
 * Loads @pulumi/pulumi with closure serialization deferred: each deferred export is a function
 * that loads the real module on its first call, so nothing changes for a program that uses it.
 */
export function loadSdk(): typeof pulumiSdk {
    if (!deferred) {
        deferred = true;
        const load = moduleInternals._load;
        const runtimeIndex = path.join("@pulumi", "pulumi", "runtime", "index.js");
        moduleInternals._load = function (request, parent, isMain) {
            if (parent?.filename?.endsWith(runtimeIndex) && request.startsWith("./closure/")) {
                const names = DEFERRED_MODULES[path.basename(moduleInternals._resolveFilename(request, parent))];
                if (names) {
                    const real = () => load(request, parent, false) as Record<string, (...args: unknown[]) => unknown>;
                    return Object.fromEntries(names.map((n) => [n, (...args: unknown[]) => real()[n](...args)]));
                }
            }
            return load.call(this, request, parent, isMain);
        };
    }
    return require("@pulumi/pulumi");
}

/** Callbacks for what the program sends the engine, decoded from the gRPC requests. */
export interface MonitorHooks {
    /** A registration, or a read (StackReference, `.get`), the (mock) engine accepted. */
    recorded(resource: RecordedResource): void;
    /** `registerOutputs` of a component. */
    outputs(urn: string, outputs: Record<string, unknown>): void;
}

function structToJs(struct: any): Record<string, unknown> {
    return struct ? (struct.toJavaScript() as Record<string, unknown>) : {};
}

/** The URN of a provider reference (`<urn>::<id>`). */
function providerUrn(ref: string): string {
    return ref.slice(0, ref.lastIndexOf("::"));
}

/** The options of a RegisterResourceRequest (`proto/resource_pb.js`) that differ from the engine's defaults. */
function requestOptions(req: any, propertyDependencies: Record<string, string[]>, dependencies: string[]): ResourceOptions {
    const fromInputs = new Set(Object.values(propertyDependencies).flat());
    const timeouts = req.getCustomtimeouts();
    const customTimeouts =
        timeouts &&
        Object.fromEntries(Object.entries({ create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }).filter(([, v]) => v));
    const aliases = [...req.getAliasesList()].map((a: any) => (a.hasSpec() ? a.getSpec().toObject() : a.getUrn()));
    const options: ResourceOptions = {
        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
        replaceOnChanges: [...req.getReplaceonchangesList()],
        ignoreChanges: [...req.getIgnorechangesList()],
        protect: req.hasProtect() && req.getProtect() ? true : undefined,
        retainOnDelete: req.hasRetainondelete() && req.getRetainondelete() ? true : undefined,
        dependsOn: dependencies.filter((urn) => !fromInputs.has(urn)),
        provider: req.getProvider() ? providerUrn(req.getProvider()) : undefined,
        customTimeouts: customTimeouts && Object.keys(customTimeouts).length > 0 ? customTimeouts : undefined,
        aliases: [...aliases, ...req.getAliasurnsList()],
        deletedWith: req.getDeletedwith() || undefined,
    };
    return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as ResourceOptions;
}

/** A RegisterResourceRequest as a recorded resource. */
function registration(req: any, urn: string): RecordedResource {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
        propertyDependencies[key] = [...new Set<string>(deps.getUrnsList())].sort();
    });
    const dependencies = [...new Set<string>(req.getDependenciesList())].sort();
    return {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || undefined,
        dependencies,
        propertyDependencies,
        inputs: structToJs(req.getObject()),
        custom: req.getCustom(),
        additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
        options: requestOptions(req, propertyDependencies, dependencies),
    };
}

/** A ReadResourceRequest as a recorded (external) resource. */
function read(req: any, urn: string): RecordedResource {
    return {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || undefined,
        dependencies: [],
        propertyDependencies: {},
        inputs: structToJs(req.getProperties()),
        custom: true,
        external: true,
        options: req.getProvider() ? { provider: providerUrn(req.getProvider()) } : {},
    };
}

/**
 * Wraps the mock monitor's `registerResource`, `readResource` and `registerResourceOutputs`:
 * `MockResourceArgs` lacks parents, dependencies and options, the requests carry them all.
 */
export function wrapMonitor(pulumi: typeof pulumiSdk, hooks: MonitorHooks): void {
    const monitor = pulumi.runtime.getMonitor() as any;
    const accepted =
        (call: (req: any, callback: (err: unknown, resp: any) => void) => void, hook: (req: any, urn: string) => void) =>
        (req: any, callback: (err: unknown, resp: any) => void) =>
            call(req, (err, resp) => {
                if (!err && resp) {
                    hook(req, resp.getUrn());
                }
                callback(err, resp);
            });
    monitor.registerResource = accepted(monitor.registerResource.bind(monitor), (req, urn) => hooks.recorded(registration(req, urn)));
    monitor.readResource = accepted(monitor.readResource.bind(monitor), (req, urn) => hooks.recorded(read(req, urn)));
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, resp: any) => void) => {
        hooks.outputs(req.getUrn(), structToJs(req.getOutputs()));
        return registerOutputs(req, callback);
    };
}

/** Whether an output's value is known: the SDK's own `isKnown` promise, not on the public type. */
export function isKnown(output: pulumiSdk.Output<unknown>): Promise<boolean> {
    return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** Resolves once every registration the program started has completed (`runtime/settings.js`). */
export function waitForRegistrations(): Promise<void> {
    return require("@pulumi/pulumi/runtime/settings").waitForRPCs();
}
