import type { ApiRoute } from '../registry.ts';
import { peopleRoutes } from './people.ts';
import { accountRoutes } from './accounts.ts';
import { roleRoutes } from './roles.ts';
import { reportRoutes } from './reports.ts';
import { profileRoutes } from './profiles.ts';
import { bulkRoutes } from './bulk.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { approvalRoutes } from './approvals.ts';

/** Every operation of the JSON API, in the order the OpenAPI document lists them. */
export const API_ROUTES: ApiRoute[] = [...peopleRoutes, ...accountRoutes, ...roleRoutes, ...reportRoutes, ...profileRoutes, ...bulkRoutes, ...approvalRoutes, ...apiKeyRoutes];
