/**
 * Entry point of every stack: validate the config, then run the program for the stack's role and
 * deploy stage (config/stage.ts). `pulumi up -s mgmt` first, then `-s app1` and `-s app2`.
 */
import { loadStackConfig } from "./config/load";
import { appStack } from "./stacks/app";
import { mgmtStack } from "./stacks/mgmt";

const loaded = loadStackConfig();
export = loaded.config.role === "mgmt" ? mgmtStack(loaded) : appStack(loaded);
