// Imports every type file (each registers its types, queries and mutations) and builds the schema.
import { builder } from './builder';
import './errors';
import './common';
import './user';
import './storage';
import './artifact';
import './ulabel';
import './transform';
import './run';
import './collection';
import './token';
import './search';

export const schema = builder.toSchema({ sortSchema: true });
import './artifact-mutations';
import './upload';
import './recovery';
