// The pack's entry point for `pulumi preview --policy-pack policy-pack`. Nothing imports this file:
// constructing a PolicyPack starts the analyzer's gRPC server (see evaluate.ts for in-process runs).
import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, policies } from "./policies";

new PolicyPack("platform-security", { policies, enforcementLevel: packEnforcementLevel });
