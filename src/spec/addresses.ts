// Host names, host:port endpoints, URLs and absolute paths in the spec: each refusal names the part that is wrong.
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

/** A refusal with the words an operator needs: what is wrong, and what to write instead. */
export interface AddressProblem {
  message: string;
  hint: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i;

/** Why `host` is not a DNS name (RFC 1123 labels, 1-63 characters each, 253 in all), or undefined. */
export function hostNameProblem(host: string): AddressProblem | undefined {
  const hint = 'write a host name such as etcd1.internal: labels of letters, digits and "-" separated by single dots';
  if (host === '') return { message: 'the host name is empty', hint };
  if (host.length > 253)
    return {
      message: `the host name is ${host.length} characters long; DNS allows 253`,
      hint: 'use a shorter host name',
    };
  if (host.startsWith('.') || host.endsWith('.'))
    return {
      message: `"${host}" starts or ends with a dot`,
      hint: `remove the dot: "${host.replace(/^\.+|\.+$/g, '')}"`,
    };
  const labels = host.split('.');
  if (labels.some((l) => l === ''))
    return {
      message: `"${host}" has an empty label (two dots in a row)`,
      hint: `write single dots: "${host.replace(/\.{2,}/g, '.')}"`,
    };
  const long = labels.find((l) => l.length > 63);
  if (long)
    return {
      message: `the label "${long.slice(0, 20)}..." is ${long.length} characters long; DNS allows 63 per label`,
      hint: 'shorten that part of the name to 63 characters or fewer',
    };
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad)
    return {
      message: `the label "${bad}" may hold only letters, digits and "-", and may not start or end with "-"`,
      hint,
    };
  return undefined;
}

/** Why `text` is not a TCP port number 1-65535, or undefined. */
export function portTextProblem(text: string): AddressProblem | undefined {
  const hint = 'write the port as a number from 1 to 65535, such as 2379';
  if (!/^[0-9]+$/.test(text))
    return { message: text === '' ? 'the port is missing after ":"' : `the port "${text}" is not a number`, hint };
  const port = Number(text);
  if (port < 1 || port > 65535) return { message: `port ${text} does not exist: ports run from 1 to 65535`, hint };
  return undefined;
}

/** Why `text` is not host:port (a DNS name, IPv4 address or [IPv6] address, then a port), or undefined. */
export function hostPortProblem(text: string): AddressProblem | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return {
      message: `"${text}" is a URL; etcd endpoints are host:port`,
      hint: `write "${text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '')}"; the scheme comes from etcd.scheme`,
    };
  }
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (v6) {
    if (!isIPv6(v6[1]!))
      return { message: `"${v6[1]}" is not an IPv6 address`, hint: 'write [address]:port, such as [fd00::1]:2379' };
    return portTextProblem(v6[2]!);
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { message: `"${text}" has no port`, hint: `add the client port, such as "${text}:2379"` };
  const host = text.slice(0, colon);
  const portProblem = portTextProblem(text.slice(colon + 1));
  if (portProblem) return portProblem;
  if (host.includes(':'))
    return {
      message: `"${text}" looks like an IPv6 address without brackets`,
      hint: 'write [address]:port, such as [fd00::1]:2379',
    };
  if (isIPv4(host) || /^[0-9.]+$/.test(host)) {
    return isIPv4(host)
      ? undefined
      : {
          message: `"${host}" is not an IPv4 address`,
          hint: 'write four numbers 0-255 separated by dots, or a host name',
        };
  }
  return hostNameProblem(host);
}

/** Why `text` is not an absolute http(s) URL with a host, or undefined. */
export function httpUrlProblem(text: string): AddressProblem | undefined {
  const written = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!written) {
    const rest = text.replace(/^[a-z]+:\/+/i, '') || 'example.com';
    const scheme = /^(localhost|127\.)/.test(rest) ? 'http' : 'https';
    return {
      message: `"${text}" has no scheme`,
      hint: `write the whole URL with its scheme, such as "${scheme}://${rest}"`,
    };
  }
  if (!/^https?$/i.test(written[1]!))
    return {
      message: `"${text}" uses ${written[1]}://; browsers and GoTrue need http:// or https://`,
      hint: 'write an http:// or https:// URL',
    };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { message: `"${text}" is not a valid URL`, hint: 'write a URL such as https://app.example.com' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIPv4(host) || isIPv6(host)) return undefined;
  // new URL() quietly fixes some host names (a trailing dot, capitals); check the one the user wrote.
  const writtenHost = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(text)?.[1] ?? host;
  return hostNameProblem(writtenHost);
}

/** Why `path` is not absolute, or undefined; `who` is the program that would not find a relative one. */
export function absolutePathProblem(who: string): (path: string) => AddressProblem | undefined {
  return (path) =>
    path.startsWith('/')
      ? undefined
      : {
          message: `"${path}" is a relative path; ${who} runs from other directories and would not find it`,
          hint: `write an absolute path, such as /var/lib/gardenos/${path.replace(/^\.\//, '') || 'backup'}`,
        };
}

/** A zod string refined by one of the checks above; the problem's hint travels in the issue params. */
export function checkedString(check: (text: string) => AddressProblem | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { hint: problem.hint } });
  });
}
