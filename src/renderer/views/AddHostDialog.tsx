import { useCallback, useState, type FormEvent } from 'react';
import type { StatusCause } from '../../orchestrator/api/types.js';
import { ApiRequestError, messageOf } from '../api/errors.js';
import { addHost, hostNameFromAddress, validateAddHost, type AddHostInput } from '../api/hosts.js';
import { Causes } from '../components/Causes.js';
import { Dialog } from '../components/Dialog.js';
import { useApp, useServices } from '../store/context.js';
import { HostProgress } from './HostProgress.js';

interface Submitted {
  name: string;
  warning?: string;
}

/** Add a worker over SSH: the form, then the host's provisioning steps as they stream. */
export function AddHostDialog() {
  const { api, store } = useServices();
  const [form, setForm] = useState({ name: '', address: '', port: '22', user: 'root', privateKey: '', passphrase: '', useAgent: false });
  const [nameTouched, setNameTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; causes: StatusCause[] } | null>(null);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const host = useApp((s) => (submitted ? s.cluster.hosts[submitted.name] : undefined));
  const close = useCallback(() => store.getState().openDialog(null), [store]);

  const name = nameTouched ? form.name : hostNameFromAddress(form.address);
  const input: AddHostInput = { name, address: form.address, port: Number(form.port), user: form.user, privateKey: form.privateKey, ...(form.passphrase ? { passphrase: form.passphrase } : {}), useAgent: form.useAgent };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const causes = validateAddHost(input);
    if (causes.length > 0) return setError({ message: 'Please fix the highlighted fields', causes });
    setBusy(true);
    setError(null);
    try {
      const r = await addHost(api, input);
      setSubmitted({ name, ...(r.warning ? { warning: r.warning } : {}) });
    } catch (err) {
      setError({ message: messageOf(err), causes: err instanceof ApiRequestError ? err.causes : [] });
    } finally {
      setBusy(false);
    }
  };

  const bad = new Set(error?.causes.map((c) => c.field));
  const field = (f: string) => (bad.has(f) ? 'field invalid' : 'field');

  if (submitted) {
    return (
      <Dialog title={`Adding host ${submitted.name}`} onClose={close} testId="add-host-dialog">
        <HostProgress host={host} name={submitted.name} />
        {submitted.warning && <div className="muted small">{submitted.warning}</div>}
        <div className="dialog-foot">
          <button className="btn btn-primary" onClick={close} data-testid="add-host-done">
            {host?.status?.phase === 'Ready' || host?.status?.phase === 'Failed' ? 'Close' : 'Continue in background'}
          </button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Add host" onClose={close} testId="add-host-dialog">
      <form onSubmit={submit} className="form" noValidate>
        <p className="muted small">Skiff connects over SSH, checks Docker and Node.js, installs its agent and joins the host as a node.</p>
        <div className="form-row">
          <label className={field('address')}>
            Address
            <input autoFocus value={form.address} onChange={(e) => setForm({ ...form, address: e.target.value })} placeholder="192.168.1.20 or host.local" data-testid="add-host-address" />
          </label>
          <label className={`${field('port')} narrow`}>
            Port
            <input value={form.port} inputMode="numeric" onChange={(e) => setForm({ ...form, port: e.target.value })} data-testid="add-host-port" />
          </label>
        </div>
        <div className="form-row">
          <label className={field('user')}>
            User
            <input value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} data-testid="add-host-user" />
          </label>
          <label className={field('name')}>
            Name
            <input
              value={name}
              onChange={(e) => {
                setNameTouched(true);
                setForm({ ...form, name: e.target.value });
              }}
              placeholder="from the address"
              data-testid="add-host-name"
            />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={form.useAgent} onChange={(e) => setForm({ ...form, useAgent: e.target.checked })} data-testid="add-host-use-agent" /> Use my ssh-agent
        </label>
        {!form.useAgent && (
          <label className={field('privateKey')}>
            Private key
            <textarea
              rows={6}
              spellCheck={false}
              value={form.privateKey}
              onChange={(e) => setForm({ ...form, privateKey: e.target.value })}
              placeholder={'-----BEGIN OPENSSH PRIVATE KEY-----\n…'}
              data-testid="add-host-key"
            />
            <span className="muted small">Stored as Secret kube-system/skiff-host-{name || '…'}.</span>
          </label>
        )}
        {!form.useAgent && (
          <label className="field">
            Key passphrase
            <input type="password" autoComplete="off" value={form.passphrase} onChange={(e) => setForm({ ...form, passphrase: e.target.value })} placeholder="only if the key is encrypted" data-testid="add-host-passphrase" />
          </label>
        )}
        {error && (
          <div className="error-box" data-testid="add-host-error">
            {error.message}
            <Causes causes={error.causes} />
          </div>
        )}
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="add-host-submit">
            {busy ? 'Adding…' : 'Add host'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
