/**
 * The program's own check that a partial deploy stage (config/stage.ts) runs only where it cannot
 * delete anything: not on a stack whose last update was a full one. It reads the stack's own last
 * outputs through a StackReference to itself (empty on a stack never updated); the read exists in
 * the partial stage only, and the engine drops a read the next program does not make without any
 * provider call (pulumi pkg/resource/deploy/step.go `DeleteStep.Apply`: "Deleting an External
 * resource is a no-op"). `npm run deploy` stages only stacks with no resources at all; this catches
 * `PLATFORM_DEPLOY_STAGE` set by hand on a deployed stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_STAGE_ENV, DeployStage } from "../config/stage";

/** Throws a RunError, before anything is created, when a partial stage would run over a full deploy. */
export async function refusePartialStageOverFullDeploy(stage: DeployStage): Promise<void> {
    if (stage === "full") {
        return;
    }
    const stack = pulumi.getStack();
    const own = new pulumi.StackReference(`${stack}-last-deploy`, { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}` });
    const last = (await own.getOutputDetails("deployStage")).value;
    if (last === "full") {
        throw new pulumi.RunError(
            `${DEPLOY_STAGE_ENV}=${stage}: stack ${stack} is deployed in full, and the ${stage} stage would delete everything it does not declare; ` +
                `unset ${DEPLOY_STAGE_ENV} (only npm run deploy sets it, on stacks with no resources)`,
        );
    }
}
