#!/usr/bin/env node
// Deterministic generator of the résumé-line NER corpus shipped beside it (train.jsonl, dev.jsonl).
// The output is committed; re-running with the same seed reproduces it byte for byte.
// Entity strings are split into train-only and dev-only pools so the dev set measures how well the
// tagger generalises from word shape and context to names, companies and skills it never saw.
//
// usage: node data/make_corpus.mjs [--seed 7] [--train 420] [--dev 140] [--out DIR]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../rng.mjs';

/** @param {string} flag @param {string} fallback */
function arg(flag, fallback) {
  const i = process.argv.indexOf(flag);
  return i >= 0 && i + 1 < process.argv.length ? /** @type {string} */ (process.argv[i + 1]) : fallback;
}

const SEED = Number(arg('--seed', '7'));
const N_TRAIN = Number(arg('--train', '420'));
const N_DEV = Number(arg('--dev', '140'));
const OUT = arg('--out', path.dirname(fileURLToPath(import.meta.url)));

const rand = rng(SEED);
/** @template T @param {readonly T[]} xs @returns {T} */
const pick = (xs) => /** @type {T} */ (xs[Math.floor(rand() * xs.length)]);
/** @param {number} lo @param {number} hi */
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// ---- hand-written lists -------------------------------------------------------------------------
const FIRST = ['James', 'Maria', 'Wei', 'Aisha', 'Lukas', 'Priya', 'Carlos', 'Emma', 'Olusegun', 'Hana',
  'Mateo', 'Sofia', 'Dmitri', 'Fatima', 'Liam', 'Chloe', 'Kenji', 'Amara', 'Noah', 'Ingrid', 'Rahul',
  'Zainab', 'Ethan', 'Lucia', 'Tomasz', 'Mei', 'Omar', 'Grace', 'Santiago', 'Yuki', 'Daniel', 'Leila',
  'Arjun', 'Nadia', 'Felix', 'Camila', 'Viktor', 'Ayumi', 'Samuel', 'Elif'];
const LAST = ['Smith', 'Garcia', 'Chen', 'Okafor', 'Müller', 'Sharma', 'Rodriguez', 'Johnson', 'Adeyemi',
  'Sato', 'Rossi', 'Kowalski', 'Ivanova', 'Haddad', "O'Brien", 'Dubois', 'Tanaka', 'Mensah', 'Nguyen',
  'Larsen', 'Patel', 'Hussein', 'Walker', 'Fernandez', 'Novak', 'Wang', 'Khalil', 'Bennett', 'Silva',
  'Yamamoto', 'Kim', 'Rahman', 'Iyer', 'Petrova', 'Schmidt', 'Costa', 'Horvat', 'Nakamura', 'Cohen',
  'Demir'];
const COMPANIES = ['Google', 'Microsoft', 'Amazon Web Services', 'Acme Corp', 'Northwind Traders',
  'Globex Corporation', 'Initech', 'Stark Industries', 'Deloitte', 'Accenture', 'Siemens', 'SAP',
  'Spotify', 'Shopify', 'Contoso Ltd', 'Fabrikam Inc', 'Tailspin Toys', 'Wayne Enterprises', 'Umbrella Labs',
  'Hooli', 'Pied Piper', 'Vandelay Industries', 'Bluth Company', 'Cyberdyne Systems', 'Soylent Corp',
  'Oceanic Airlines', 'Tyrell Corporation', 'Massive Dynamic', 'Wonka Industries', 'Gringotts Bank',
  'IBM', 'Oracle', 'Netflix', 'Zalando', 'Booking.com', 'Adyen', 'Infosys', 'Tata Consultancy Services',
  'Philips', 'Ericsson'];
const SKILLS = ['Python', 'Java', 'JavaScript', 'TypeScript', 'C++', 'Go', 'Rust', 'SQL', 'PostgreSQL',
  'Kubernetes', 'Docker', 'Terraform', 'AWS', 'Azure', 'React', 'Node.js', 'TensorFlow', 'PyTorch',
  'machine learning', 'deep learning', 'natural language processing', 'data analysis', 'Excel', 'Tableau',
  'Power BI', 'Spark', 'Hadoop', 'Kafka', 'Scala', 'R', 'project management', 'Agile', 'Scrum', 'Git',
  'Linux', 'GraphQL', 'MongoDB', 'Redis', 'computer vision', 'statistics', 'Figma', 'Salesforce', 'SAS',
  'MATLAB', 'Django', 'Flask', 'Spring Boot', 'Airflow', 'dbt', 'Snowflake'];
const LOCATIONS = ['San Francisco , CA', 'New York , NY', 'Berlin', 'London , UK', 'Toronto , Canada',
  'Bangalore , India', 'Lagos , Nigeria', 'Tokyo', 'Paris , France', 'Amsterdam', 'Seattle , WA',
  'Austin , TX', 'Munich , Germany', 'Sydney , Australia', 'São Paulo , Brazil', 'Madrid', 'Warsaw , Poland',
  'Dublin , Ireland', 'Singapore', 'Nairobi , Kenya', 'Boston , MA', 'Zurich , Switzerland', 'Stockholm',
  'Mexico City', 'Cape Town , South Africa', 'Chicago , IL', 'Hyderabad , India', 'Seoul', 'Lisbon , Portugal',
  'Vancouver , BC'];
const DEGREES = ['B.Sc. in Computer Science', 'M.Sc. in Data Science', 'Ph.D. in Physics', 'MBA',
  'Bachelor of Science in Electrical Engineering', 'Master of Science in Statistics',
  'Bachelor of Arts in Economics', 'Master of Business Administration', 'B.Eng. in Mechanical Engineering',
  'M.Eng. in Software Engineering', 'Ph.D. in Machine Learning', 'BA in Psychology', 'MSc in Finance',
  'Bachelor of Commerce', 'Associate Degree in Information Technology', 'Doctor of Philosophy in Chemistry',
  'B.Tech in Information Technology', 'Master of Arts in Linguistics', 'BSc in Mathematics',
  'Master of Public Health'];
const UNIVERSITIES = ['University of Toronto', 'MIT', 'Stanford University', 'TU Munich', 'University of Lagos',
  'IIT Bombay', 'ETH Zurich', 'University of Oxford', 'National University of Singapore', 'Universidad de Chile',
  'Kyoto University', 'University of Cape Town', 'McGill University', 'Delft University of Technology',
  'University of Warsaw'];
const TITLES = ['Software Engineer', 'Senior Data Scientist', 'Machine Learning Engineer', 'Product Manager',
  'Backend Developer', 'DevOps Engineer', 'Data Analyst', 'Research Scientist', 'Frontend Developer',
  'Engineering Manager', 'Business Analyst', 'Cloud Architect', 'QA Engineer', 'Technical Lead',
  'Full Stack Developer', 'Intern'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
  'January', 'February', 'March', 'April', 'June', 'July', 'August', 'September', 'October', 'November',
  'December'];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'example.org', 'mail.co.uk', 'web.de',
  'hey.com'];
const FILLER = [['References', 'available', 'upon', 'request'], ['PROFESSIONAL', 'EXPERIENCE'], ['EDUCATION'],
  ['TECHNICAL', 'SKILLS'], ['Summary'], ['Curriculum', 'Vitae'], ['Languages', ':', 'English', ',', 'Spanish'],
  ['Interests', ':', 'hiking', ',', 'chess', ',', 'photography'], ['Page', '2', 'of', '2'],
  ['Certifications'], ['Volunteer', 'work', 'at', 'the', 'local', 'food', 'bank']];
const VERBS = ['Built', 'Designed', 'Maintained', 'Migrated', 'Led', 'Automated', 'Optimised', 'Shipped'];
const OBJECTS = ['data pipelines', 'a recommendation service', 'the billing platform', 'internal dashboards',
  'CI pipelines', 'a fraud detection model', 'the mobile app', 'ETL jobs'];

/**
 * Split a pool: the last third goes to dev only, the first two thirds to train only, with a few shared,
 * so dev has both seen and unseen entity strings.
 * @template T @param {readonly T[]} xs @returns {{train: T[], dev: T[]}}
 */
function split(xs) {
  const cut = Math.floor((xs.length * 2) / 3);
  const shared = xs.slice(0, Math.max(2, Math.floor(xs.length / 8)));
  return { train: xs.slice(0, cut), dev: [...shared, ...xs.slice(cut)] };
}
const POOLS = {
  first: split(FIRST), last: split(LAST), company: split(COMPANIES), skill: split(SKILLS),
  location: split(LOCATIONS), degree: split(DEGREES),
};

// ---- building tagged lines ----------------------------------------------------------------------
/** @typedef {{tokens: string[], tags: string[]}} Line */
/** @typedef {'train' | 'dev'} Part */

/** @param {Line} line @param {string[]} tokens @param {string | null} type */
function push(line, tokens, type) {
  tokens.forEach((t, i) => {
    line.tokens.push(t);
    line.tags.push(type === null ? 'O' : `${i === 0 ? 'B' : 'I'}-${type}`);
  });
}
/** @param {string} s */
const words = (s) => s.split(' ').filter((w) => w.length > 0);

/** @param {Part} part */
function person(part) {
  const first = pick(POOLS.first[part]);
  const last = pick(POOLS.last[part]);
  const r = rand();
  const full = r < 0.15 ? [first, `${String.fromCharCode(65 + int(0, 25))}.`, last]
    : r < 0.25 ? [last.toUpperCase(), first] : [first, last];
  return { first, last, tokens: full };
}
/** @param {{first: string, last: string}} p */
function email(p) {
  const f = p.first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
  const l = p.last.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
  const style = int(0, 3);
  const local = style === 0 ? `${f}.${l}` : style === 1 ? `${f[0]}${l}` : style === 2 ? `${f}${l}${int(1, 99)}` : `${l}_${f}`;
  return `${local}@${pick(DOMAINS)}`;
}
function phone() {
  const d = (/** @type {number} */ n) => Array.from({ length: n }, () => String(int(0, 9))).join('');
  switch (int(0, 4)) {
    case 0: return [`+1`, `(${int(200, 989)})`, `${d(3)}-${d(4)}`];
    case 1: return [`${int(200, 989)}-${d(3)}-${d(4)}`];
    case 2: return [`+44`, `20`, d(4), d(4)];
    case 3: return [`+49`, `${int(150, 179)}`, d(7)];
    default: return [`+91`, `${int(70000, 99999)}`, d(5)];
  }
}
/** @param {number} from earliest year */
function date(from = 2005) {
  const year = (/** @type {number} */ lo) => String(int(lo, 2024));
  switch (int(0, 3)) {
    case 1: return [year(Math.min(from, 1998))];
    case 2: return [`${String(int(1, 12)).padStart(2, '0')}/${year(from)}`];
    default: return [pick(MONTHS), year(from)];
  }
}
/** @param {string[]} d */
const yearOf = (d) => Number(/(\d{4})$/.exec(d.join(' '))?.[1] ?? 2005);
/** A date range "D – D|Present"; "Present" counts as a DATE. */
function dateRange(/** @type {Line} */ line) {
  const start = date();
  push(line, start, 'DATE');
  push(line, [pick(['-', '–', 'to'])], null);
  push(line, rand() < 0.3 ? [pick(['Present', 'present', 'Current'])] : date(yearOf(start)), 'DATE');
}
/** @param {Part} part @param {number} n @param {Line} line */
function skillList(part, n, line) {
  const chosen = new Set();
  while (chosen.size < n) chosen.add(pick(POOLS.skill[part]));
  [...chosen].forEach((s, i) => {
    if (i > 0) push(line, [i === chosen.size - 1 && rand() < 0.5 ? 'and' : ','], null);
    push(line, words(s), 'SKILL');
  });
}

/** @type {Array<(part: Part) => Line>} */
const TEMPLATES = [
  // header
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, person(part).tokens, 'NAME');
    if (rand() < 0.6) { push(l, [pick([',', '|', '-'])], null); push(l, words(pick(TITLES)), null); }
    return l;
  },
  // contact lines
  (part) => {
    const l = { tokens: [], tags: [] };
    const p = person(part);
    push(l, ['Email', ':'], null); push(l, [email(p)], 'EMAIL');
    push(l, ['|', 'Phone', ':'], null); push(l, phone(), 'PHONE');
    if (rand() < 0.4) { push(l, ['|'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION'); }
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    const p = person(part);
    push(l, [email(p)], 'EMAIL'); push(l, ['·'], null); push(l, phone(), 'PHONE');
    push(l, ['·'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    const p = person(part);
    push(l, ['Contact'], null); push(l, p.tokens, 'NAME'); push(l, ['at'], null);
    push(l, [email(p)], 'EMAIL'); push(l, ['or'], null); push(l, phone(), 'PHONE');
    return l;
  },
  () => {
    const l = { tokens: [], tags: [] };
    push(l, [pick(['Mobile', 'Tel', 'Phone', 'Cell']), ':'], null); push(l, phone(), 'PHONE');
    return l;
  },
  // experience
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, words(pick(TITLES)), null); push(l, ['at'], null); push(l, words(pick(POOLS.company[part])), 'COMPANY');
    push(l, [','], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    push(l, ['('], null); dateRange(l); push(l, [')'], null);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, words(pick(POOLS.company[part])), 'COMPANY'); push(l, ['|'], null); push(l, words(pick(TITLES)), null);
    push(l, ['|'], null); dateRange(l);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, ['Worked', 'at'], null); push(l, words(pick(POOLS.company[part])), 'COMPANY');
    push(l, ['in'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    const start = date();
    push(l, ['from'], null); push(l, start, 'DATE'); push(l, ['to'], null); push(l, date(yearOf(start)), 'DATE');
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, [pick(VERBS)], null); push(l, words(pick(OBJECTS)), null);
    push(l, [pick(['at', 'for'])], null); push(l, words(pick(POOLS.company[part])), 'COMPANY');
    push(l, ['using'], null); skillList(part, int(1, 3), l);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, [pick(VERBS)], null); push(l, words(pick(OBJECTS)), null); push(l, ['with'], null);
    skillList(part, int(1, 2), l);
    push(l, [',', 'reducing', 'costs', 'by', `${int(5, 60)}`, '%'], null);
    return l;
  },
  // skills
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, [pick(['Skills', 'Technologies', 'Tools', 'Stack']), ':'], null); skillList(part, int(2, 5), l);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, [pick(['Proficient', 'Experienced', 'Certified']), 'in'], null); skillList(part, int(1, 3), l);
    return l;
  },
  // education
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, words(pick(POOLS.degree[part])), 'DEGREE'); push(l, [','], null); push(l, words(pick(UNIVERSITIES)), null);
    push(l, [','], null); push(l, date(), 'DATE');
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, words(pick(POOLS.degree[part])), 'DEGREE'); push(l, ['from'], null); push(l, words(pick(UNIVERSITIES)), null);
    push(l, ['('], null); push(l, date(), 'DATE'); push(l, [')'], null);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, ['Graduated', 'with', 'a'], null); push(l, words(pick(POOLS.degree[part])), 'DEGREE');
    push(l, ['in'], null); push(l, date(), 'DATE');
    return l;
  },
  // summary
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, person(part).tokens, 'NAME'); push(l, ['is', 'a'], null); push(l, words(pick(TITLES)), null);
    push(l, ['based', 'in'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    push(l, ['with', `${int(2, 15)}`, 'years', 'of', 'experience', 'in'], null); skillList(part, 1, l);
    return l;
  },
  (part) => {
    const l = { tokens: [], tags: [] };
    push(l, ['Relocated', 'from'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    push(l, ['to'], null); push(l, words(pick(POOLS.location[part])), 'LOCATION');
    push(l, ['in'], null); push(l, date(), 'DATE');
    return l;
  },
  // no entities
  () => {
    const l = { tokens: [], tags: [] };
    push(l, pick(FILLER), null);
    return l;
  },
];

/** @param {Part} part @param {number} n */
function make(part, n) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < n; i++) out.push(JSON.stringify(pick(TEMPLATES)(part)));
  return out.join('\n') + '\n';
}

const train = make('train', N_TRAIN);
const dev = make('dev', N_DEV);
writeFileSync(path.join(OUT, 'train.jsonl'), train);
writeFileSync(path.join(OUT, 'dev.jsonl'), dev);
console.log(`wrote ${N_TRAIN} train and ${N_DEV} dev lines to ${OUT} (seed ${SEED})`);
