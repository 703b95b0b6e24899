export default function Home() {
  return (
    <main>
      <h1>Tollgate Next.js example</h1>
      <ul>
        <li>
          <a href="/.well-known/oauth-authorization-server">/.well-known/oauth-authorization-server</a>
        </li>
        <li>
          <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>
        </li>
        <li>POST /oauth/token (client_credentials: demo-service / demo-service-secret)</li>
        <li>GET /api/orders (scope orders:read, checked by withAuth)</li>
        <li>GET /admin (scope orders:write, checked by proxy.ts)</li>
      </ul>
    </main>
  );
}
