// The Electron binding's rules, checked under Node (the module has no electron import): only our
// window's main frame showing our renderer may call the contract; only http(s) links leave the app;
// the preload's allow-list is exactly the contract's channels and events.
import { describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES_LIST, isChannelName, isEventNameLiteral } from '../../shared/channels.ts';
import { contract } from '../../shared/contract.ts';
import { events } from '../../shared/events.ts';
import { APP_URL, isAppUrl, isExternalWebUrl, isTrustedSender } from '../../electron/main/senderCheck.ts';

const ours = new Set([7]);

describe('isTrustedSender', () => {
  it('accepts our window main frame on the app origin', () => {
    expect(isTrustedSender({ frameUrl: APP_URL, isMainFrame: true, webContentsId: 7 }, ours)).toBe(true);
    expect(isTrustedSender({ frameUrl: 'sweepdeck://app/sweeps/1?x=y#z', isMainFrame: true, webContentsId: 7 }, ours)).toBe(true);
  });

  it.each([
    ['another webContents', { frameUrl: APP_URL, isMainFrame: true, webContentsId: 8 }],
    ['a subframe', { frameUrl: APP_URL, isMainFrame: false, webContentsId: 7 }],
    ['a destroyed frame', { frameUrl: null, isMainFrame: true, webContentsId: 7 }],
    ['a web page', { frameUrl: 'https://evil.example/', isMainFrame: true, webContentsId: 7 }],
    ['a lookalike host', { frameUrl: 'sweepdeck://app.evil/index.html', isMainFrame: true, webContentsId: 7 }],
    ['a file URL', { frameUrl: 'file:///index.html', isMainFrame: true, webContentsId: 7 }],
    ['garbage', { frameUrl: 'not a url', isMainFrame: true, webContentsId: 7 }],
  ])('refuses %s', (_name, facts) => {
    expect(isTrustedSender(facts, ours)).toBe(false);
  });
});

describe('links and navigation', () => {
  it('sends only http(s) links to the OS browser', () => {
    expect(isExternalWebUrl('https://mlflow.org/docs')).toBe(true);
    expect(isExternalWebUrl('http://127.0.0.1:5000/')).toBe(true);
    for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'sweepdeck://app/', 'ms-settings:', '']) expect(isExternalWebUrl(u), u).toBe(false);
  });

  it('allows navigation only within the app origin', () => {
    expect(isAppUrl('sweepdeck://app/runs')).toBe(true);
    expect(isAppUrl('https://example.com')).toBe(false);
    expect(isAppUrl('sweepdeck://other/')).toBe(false);
  });
});

describe('preload allow-list', () => {
  it('is exactly the contract channels and events', () => {
    expect([...CHANNEL_NAMES].sort()).toEqual(Object.keys(contract).sort());
    expect([...EVENT_NAMES_LIST].sort()).toEqual(Object.keys(events).sort());
    expect(isChannelName('sweeps.list')).toBe(true);
    expect(isChannelName('__proto__')).toBe(false);
    expect(isChannelName('toString')).toBe(false);
    expect(isEventNameLiteral('sweep.progress')).toBe(true);
    expect(isEventNameLiteral('constructor')).toBe(false);
  });
});
