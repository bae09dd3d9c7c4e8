// The Bun platform for the worker engine. Bun implements Node's process, os and signal APIs
// natively, so its facts come from the very same calls as on Node: the object is shared, and this
// file exists so that Bun-specific facts have one place to go if they ever differ.
import type { Platform } from "../../src/worker/platform";
import { nodePlatform } from "../node/platform";

export const bunPlatform: Platform = nodePlatform;
