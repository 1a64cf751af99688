// npm run deploy:tools: installs the pinned deployment tools into .cache/tools (tools.ts).
import { installTools, toolsDir } from "./tools.ts";

const started = Date.now();
installTools((line) => console.log(`deploy tools: ${line}`));
console.log(`deploy tools: ready in ${toolsDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
