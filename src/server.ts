// Entry point of `npm start`: a Trove server with the settings of the environment (see serve.ts).
import { serve } from './serve';

await serve();
