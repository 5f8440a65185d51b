import { Hono } from 'hono';
import { CONSOLE_HEADERS, consolePage } from '../../web/review-page';

/** The review console page itself; everything it does goes through /review/api. */
export function reviewConsoleRoutes() {
  const app = new Hono();
  const page = () => new Response(consolePage(), { headers: { 'content-type': 'text/html; charset=utf-8', ...CONSOLE_HEADERS } });
  app.get('/review', page);
  app.get('/review/', page);
  return app;
}
