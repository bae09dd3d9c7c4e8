// The jobs file for `edgekiq worker -r` on Node: registers the shared handlers.
import type { Worker } from "edgekiq/worker";
import { registerHandlers } from "../shared/handlers";

export default function jobs(worker: Worker): void {
  registerHandlers(worker);
}
