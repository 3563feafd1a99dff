/**
 * A tiny stack program for the offline runner's own tests: one resource per engine option the
 * plan records, a resource registered late (inside an apply), and outputs that are unknown in a
 * preview and secret.
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const first = new command.local.Command("first", { create: "true" });
const provider = new k8s.Provider("cluster", { kubeconfig: pulumi.secret("offline") });
const token = new random.RandomString("token", { length: 20 }, { additionalSecretOutputs: ["result"] });

new command.local.Command(
    "optioned",
    { create: "true", environment: { FROM: first.stdout } },
    {
        dependsOn: [token],
        deleteBeforeReplace: true,
        replaceOnChanges: ["environment"],
        ignoreChanges: ["stdin"],
        protect: true,
        retainOnDelete: true,
        customTimeouts: { create: "10m", delete: "1m" },
        aliases: ["urn:pulumi:stack::project::command:local:Command::old-name"],
        deletedWith: first,
    },
);
new k8s.core.v1.Namespace("ns", { metadata: { name: "apps" } }, { provider, deleteBeforeReplace: false });
// Registered only once `first` has an output: the runner must wait for it.
first.stdout.apply(() => new command.local.Command("late", { create: "true" }));

export const stdout = first.stdout;
export const secret = pulumi.secret("shh");
