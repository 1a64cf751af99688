// Where the rest of the code imports the configuration from; it lives in ./config/.
export * from "./config/index.ts";
