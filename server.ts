// placeholder: server comes with the serving issue
export default { fetch: () => new Response("not yet", { status: 503 }) };
