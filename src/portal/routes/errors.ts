import type { FastifyInstance } from 'fastify';
import { NotAllowedError } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { Render } from '../plugins/render.ts';

export function registerErrorPages(app: FastifyInstance, render: Render): void {
  app.setNotFoundHandler((request, reply) =>
    render(request, reply, 'error', { title: 'Page not found', heading: 'Page not found', message: 'If you typed the web address, check it is correct.' }, 404),
  );
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof NotAllowedError) {
      return render(request, reply, 'error', { title: 'Not allowed', heading: 'You cannot do this', message: error.message }, 403);
    }
    if (error instanceof NotFoundError) {
      return render(request, reply, 'error', { title: 'Not found', heading: 'Not found', message: error.message }, 404);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return render(request, reply, 'error', { title: 'Request not understood', heading: 'Something was wrong with that request', message: (error as Error).message }, status);
    }
    request.log.error({ err: error }, 'unexpected error');
    return render(request, reply, 'error', { title: 'Sorry, there is a problem', heading: 'Sorry, there is a problem with the service', message: 'Try again later. If it keeps happening, contact your local IT helpdesk.' }, 500);
  });
}
