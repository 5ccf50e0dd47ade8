import type { TokenService } from '../auth/token-service.js';
import type { Clock } from '../shared/clock.js';
import type { LinkSigner } from '../shared/link-signer.js';
import type { MediaStorage } from '../storage/media-storage.js';
import type { TaskService } from '../tasks/task-service.js';
import type { UploadService } from '../uploads/upload-service.js';
import type { AdminServices } from './routes/admin.channels.js';
import type { PushReceiver } from './routes/upstream-push.js';
import type { FaceDetector } from './routes/face-detect.js';

/** Everything the HTTP layer needs, built once by the composition root. */
export interface HttpServices {
  tokens: TokenService;
  tasks: TaskService;
  storage: MediaStorage;
  links: LinkSigner;
  clock: Clock;
  publicUrl: string;
  resultLinkTtlMs: number;
  /** the SDKs' local-file upload flow (ADR 0017); absent in tests of other routes */
  uploads?: UploadService;
  /** s2v's face check, relayed to a channel (absent in tests of other routes) */
  faceDetect?: FaceDetector;
  /** DashScope's completion push, a hint to query a task at once */
  push?: PushReceiver;
  /** present when VIDGATE_ADMIN_TOKEN is set */
  admin?: AdminServices;
  /** a quick liveness/readiness probe of the store */
  ping(): Promise<void>;
}
