#!/usr/bin/env node
// Uploads a local file to vidgate through the DashScope SDKs' own upload flow (getPolicy, then
// the signed form) and prints the oss:// URL a create may name for 48 hours. No dependencies.
//
//   TOKEN=vg_... node examples/upload.mjs data/examples/clip.mp4 wan2.7-videoedit
//
// VIDGATE_URL defaults to http://localhost:8080; the URL is for the token's own account only.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const [file, model] = process.argv.slice(2);
const base = (process.env.VIDGATE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const token = process.env.TOKEN ?? process.env.DASHSCOPE_API_KEY;
if (!file || !model || !token) {
  console.error('usage: TOKEN=<vidgate token> node examples/upload.mjs <file> <model>');
  process.exit(2);
}

const policyRes = await fetch(
  `${base}/api/v1/uploads?action=getPolicy&model=${encodeURIComponent(model)}`,
  { headers: { Authorization: `Bearer ${token}` } },
);
const policy = await policyRes.json();
if (!policyRes.ok) {
  console.error(`getPolicy: ${policy.code}: ${policy.message}`);
  process.exit(1);
}
const p = policy.data;
const key = `${p.upload_dir}/${basename(file)}`;
const form = new FormData();
form.set('OSSAccessKeyId', p.oss_access_key_id);
form.set('Signature', p.signature);
form.set('policy', p.policy);
form.set('x-oss-object-acl', p.x_oss_object_acl);
form.set('x-oss-forbid-overwrite', p.x_oss_forbid_overwrite);
form.set('key', key);
form.set('success_action_status', '200');
form.set('file', new Blob([await readFile(file)]), basename(file));
const up = await fetch(p.upload_host, { method: 'POST', body: form });
if (!up.ok) {
  console.error(`upload: HTTP ${up.status}: ${await up.text()}`);
  process.exit(1);
}
console.log(`oss://${key}`);
