import { z } from 'zod';
import { PeopleQuery, searchPeople } from '../../directory/people-finder.ts';
import { searchOrganisations } from '../../directory/organisation-finder.ts';
import { apiRoute } from '../registry.ts';

export const peopleRoutes = [
  apiRoute({
    method: 'GET',
    path: '/people',
    summary: 'People Finder: people and directory contacts by name (prefix or fuzzy) and where they work',
    tag: 'People Finder',
    query: PeopleQuery,
    handler: async ({ db, actor, query }) => ({ json: await searchPeople(db, actor, query) }),
  }),
  apiRoute({
    method: 'GET',
    path: '/organisations',
    summary: 'Organisations by name or code, with their Local Administrators and local IT helpdesk',
    tag: 'People Finder',
    query: z.object({ q: z.string().trim().min(1, 'Enter an organisation name or code').max(100) }),
    handler: async ({ db, query }) => ({ json: { organisations: await searchOrganisations(db, query.q) } }),
  }),
];
