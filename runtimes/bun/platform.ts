// The Bun platform for the worker engine. Bun implements Node's process, os and signal APIs
// natively, so its facts come from the very same calls as on Node: the object is shared, except
// for serving HTTP (the worker's `/metrics`), which uses Bun's own server.
import type { Platform } from "../../src/worker/platform";
import { nodePlatform } from "../node/platform";
import { serveBun } from "./serve";

export const bunPlatform: Platform = { ...nodePlatform, serve: serveBun };
