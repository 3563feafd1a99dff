/**
 * Deploy stages: how `npm run deploy` brings a fresh platform up without the app stacks waiting for
 * the whole of mgmt. An app stack reads mgmt through a StackReference, and a stack's outputs exist
 * only once its update has ended; mgmt's services (Vault, Keycloak, S3, the ingest endpoints) take
 * most of its run, while an app cluster needs only mgmt's identity and mesh CA to get its nodes,
 * kubeadm, Cilium and its security add-ons going. So, from empty state:
 *
 *   1. mgmt `foundation`: the mesh CA and mgmt's identity, nothing else (seconds);
 *   2. mgmt `full` ‖ each app stack `standalone`: the app stack's parts that need nothing of mgmt's services;
 *   3. each app stack `full`, once mgmt and its own standalone stage are done.
 *
 * While mgmt's full stage runs, an app stack's StackReference reads the foundation's outputs: the
 * engine keeps a stack's previous outputs on its root resource until the update ends (a same step
 * retains old outputs, pulumi pkg/resource/deploy/step.go `SameStep.Apply`; stack outputs are
 * written only at the end of a successful update, pulumi#14752), and mgmt's full stage exports the
 * same values for those keys. The offline plan feeds the standalone stage exactly those outputs.
 *
 * A partial stage declares a subset of the full program, each resource exactly as the full program
 * declares it (the plan checks this), so the full stage after it only adds. Run on a stack that
 * already holds more, a partial stage would delete the rest: `npm run deploy` uses stages only on
 * stacks with no resources at all (tools/deploy/phases.ts `deploySteps`), and the program refuses
 * one over a full deploy (stacks/stage-guard.ts). `pulumi up` by hand always runs `full`.
 */
import { ClusterRole } from "./model";

/** What a run of a stack's program declares. */
export type DeployStage = "full" | "foundation" | "standalone";

/** The environment variable `npm run deploy` passes a partial stage in; unset means `full`. */
export const DEPLOY_STAGE_ENV = "PLATFORM_DEPLOY_STAGE";

/** The partial stage each role has. */
export const PARTIAL_STAGE: Record<ClusterRole, Exclude<DeployStage, "full">> = { mgmt: "foundation", app: "standalone" };

/** What a partial stage declares, in a line (the deploy's progress says it). */
export const DEPLOY_STAGE_EXPLAINED: Record<Exclude<DeployStage, "full">, string> = {
    foundation: "only the mesh CA and mgmt's identity, so that the app stacks can start",
    standalone: "nodes, kubeadm, networking, security but Falco and autoscaling: all that needs nothing of mgmt's services",
};

/** A stage the role does not have. */
export class DeployStageError extends Error {}

/**
 * The stage this run declares; a value that is not this role's partial stage is refused (config/load.ts
 * reads it with the config, before anything is created). No SDK import: the offline runner and the
 * deploy tool read this module before the SDK loads.
 */
export function deployStage(role: ClusterRole, env: NodeJS.ProcessEnv): DeployStage {
    const value = env[DEPLOY_STAGE_ENV];
    if (value === undefined || value === "" || value === "full") {
        return "full";
    }
    if (value !== PARTIAL_STAGE[role]) {
        throw new DeployStageError(
            `${DEPLOY_STAGE_ENV}=${value} is not a stage of a ${role} stack (it has "full" and "${PARTIAL_STAGE[role]}"); ` +
                `unset it: only npm run deploy sets it, on stacks with no resources yet`,
        );
    }
    return value;
}
