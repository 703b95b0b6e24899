// Rendered per request: proxy.ts lets only tokens with `orders:write` get here.
export const dynamic = 'force-dynamic';

export default function Admin() {
  return (
    <main>
      <h1>Admin</h1>
      <p>Only callers whose token grants orders:write see this page.</p>
    </main>
  );
}
