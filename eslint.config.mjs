// ESLint flat config (eslint 10, typescript-eslint 8): the recommended rules for TypeScript, run by `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "policy-pack/node_modules/", "out/", "bin/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { ecmaVersion: 2022, sourceType: "module" },
        rules: {
            // Untyped JSON from mocks, YAML and the SDK's internals is handled as `any` on purpose, at the edges only.
            "@typescript-eslint/no-explicit-any": "off",
            // The Pulumi programs and tests load modules lazily after setMocks (offline-verification.md).
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // CommonJS loaders run by `node -r` (tools/offline/register.cjs).
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", Buffer: "readonly", console: "readonly" },
        },
    },
);
