package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	tgcrypto "github.com/tgphone/tgphone/crypto"
)

const (
	codeTTL         = 5 * time.Minute
	maxCodeAttempts = 5
	loginTokenTTL   = 30 * time.Second
)

// pendingCode is a login code sent to a phone, waiting for auth.signIn.
type pendingCode struct {
	phone    string
	code     string
	expires  time.Time
	attempts int
	verified bool     // the right code was given for an unknown number: signUp may follow
	via      string   // how it was sent last (via* in login.go)
	next     []string // how resendCode sends it next
	email    string   // the address of email deliveries
}

// matches compares a typed code in constant time.
func (pc *pendingCode) matches(code string) bool {
	return subtle.ConstantTimeCompare([]byte(code), []byte(pc.code)) == 1
}

// srpSession is the server half of one 2FA check (spec: core.telegram.org/api/srp).
type srpSession struct {
	id   int64
	b    *big.Int
	gB   []byte
	user int64
}

// loginToken is a QR login in progress.
type loginToken struct {
	token    []byte
	waiting  *session
	expires  time.Time
	accepted int64 // user who scanned it
}

var (
	errAuthRequired = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	// errSessionRevoked answers a key whose sessions were terminated
	// (Settings → Devices on another app, RevokeSessions here).
	errSessionRevoked = tgerr.New(401, "SESSION_REVOKED")
	errPhoneInvalid   = tgerr.New(400, "PHONE_NUMBER_INVALID")
	errCodeExpired    = tgerr.New(400, "PHONE_CODE_EXPIRED")
	errCodeInvalid    = tgerr.New(400, "PHONE_CODE_INVALID")
	errCodeEmpty      = tgerr.New(400, "PHONE_CODE_EMPTY")
	errPassword       = tgerr.New(401, "SESSION_PASSWORD_NEEDED")
	errPasswordHash   = tgerr.New(400, "PASSWORD_HASH_INVALID")
	errSRPID          = tgerr.New(400, "SRP_ID_INVALID")
	errNoPassword     = tgerr.New(400, "PASSWORD_EMPTY")
	errFirstName      = tgerr.New(400, "FIRSTNAME_INVALID")
	errTokenInvalid   = tgerr.New(400, "AUTH_TOKEN_INVALID")
	errTokenExpired   = tgerr.New(400, "AUTH_TOKEN_EXPIRED")
)

// testNumberCode is Telegram's rule for test numbers 99966XYYYY: the code
// is X repeated five times.
func testNumberCode(phone string) (string, bool) {
	if len(phone) != 10 || phone[:5] != "99966" {
		return "", false
	}
	return string(bytes.Repeat([]byte{phone[5]}, 5)), true
}

func validPhone(p string) bool {
	if len(p) < 5 || len(p) > 15 {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func cleanPhone(p string) string {
	out := make([]byte, 0, len(p))
	for i := range len(p) {
		if c := p[i]; c >= '0' && c <= '9' {
			out = append(out, c)
		}
	}
	return string(out)
}

func (s *Server) sendCode(ctx context.Context, req *tg.AuthSendCodeRequest) (tg.AuthSentCodeClass, error) {
	phone := cleanPhone(req.PhoneNumber)
	if !validPhone(phone) {
		return nil, errPhoneInvalid
	}
	if m, ok := s.opts.Migrate[phone]; ok && m.Kind != "USER" {
		if err := s.migrate(phone, requestOf(ctx).dc); err != nil {
			return nil, err
		}
	}
	code, test := testNumberCode(phone)
	if !test {
		n, err := randBelow(s.rand, 100000)
		if err != nil {
			return nil, err
		}
		code = fmt.Sprintf("%05d", n)
	}
	hashBytes := make([]byte, 8)
	if _, err := io.ReadFull(s.rand, hashBytes); err != nil {
		return nil, err
	}
	hash := hex.EncodeToString(hashBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	pc := &pendingCode{phone: phone, code: code, expires: time.Now().Add(codeTTL)}
	pc.via, pc.next, pc.email = s.delivery(phone)
	s.codes[hash] = pc
	if pc.via != viaEmailSetup {
		// The sandbox's SMS: the one place a login code is logged.
		s.log.Info("login code", "phone", phone, "via", pc.via, "code", code)
	}
	return s.sentCode(pc, hash), nil
}

func randBelow(r io.Reader, n int64) (int64, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b[:]), big.NewInt(n)).Int64(), nil
}

// checkCode validates a code for phone. Caller holds mu.
func (s *Server) checkCode(hash, phone, code string) (*pendingCode, error) {
	pc, err := s.pending(hash, phone)
	if err != nil {
		return nil, err
	}
	if pc.via == viaEmailSetup && !pc.verified {
		// No code was sent: the login email must be set up first.
		return nil, errEmailNotSetUp
	}
	if code == "" && !pc.verified {
		return nil, errCodeEmpty
	}
	if !pc.verified && !pc.matches(code) {
		pc.attempts++
		if pc.attempts >= maxCodeAttempts {
			delete(s.codes, hash)
		}
		if pc.via == viaEmail {
			return nil, errEmailCodeInvalid
		}
		return nil, errCodeInvalid
	}
	pc.verified = true
	return pc, nil
}

func (s *Server) signIn(ctx context.Context, req *tg.AuthSignInRequest) (tg.AuthAuthorizationClass, error) {
	rc := requestOf(ctx)
	if m, ok := s.opts.Migrate[cleanPhone(req.PhoneNumber)]; ok && m.Kind == "USER" {
		if err := s.migrate(cleanPhone(req.PhoneNumber), rc.dc); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	code := req.PhoneCode
	if pc := s.codes[req.PhoneCodeHash]; pc != nil && pc.via == viaEmail {
		// An emailed code comes in email_verification (auth.signIn).
		code = ""
		if v, ok := req.EmailVerification.(*tg.EmailVerificationCode); ok {
			code = v.Code
		}
	}
	pc, err := s.checkCode(req.PhoneCodeHash, req.PhoneNumber, code)
	if err != nil {
		return nil, err
	}
	u := s.st.byPhone(pc.phone)
	if u == nil {
		return signUpRequired(), nil
	}
	delete(s.codes, req.PhoneCodeHash)
	if u.Password != nil {
		s.twoFA[rc.sess.key.ID] = u.ID
		return nil, errPassword
	}
	return s.authorize(rc.sess, u), nil
}

func (s *Server) signUp(ctx context.Context, req *tg.AuthSignUpRequest) (tg.AuthAuthorizationClass, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, err := s.checkCode(req.PhoneCodeHash, req.PhoneNumber, "")
	if err != nil {
		return nil, err
	}
	if req.FirstName == "" || len(req.FirstName) > 64 || len(req.LastName) > 64 {
		return nil, errFirstName
	}
	if s.st.byPhone(pc.phone) != nil {
		return nil, tgerr.New(400, "PHONE_NUMBER_OCCUPIED")
	}
	delete(s.codes, req.PhoneCodeHash)
	s.st.NextUserID++
	u := &account{ID: s.st.NextUserID, AccessHash: randInt64(s.rand), FirstName: req.FirstName,
		LastName: req.LastName, Phone: pc.phone, Pts: 1, NextMsgID: 1}
	for _, d := range demoAccounts {
		u.Contacts = append(u.Contacts, d.id)
	}
	s.st.Users[u.ID] = u
	s.log.Info("signed up", "user_id", u.ID)
	return s.authorize(sess, u), nil
}

// authorize binds the session's auth key to u. Caller holds mu.
func (s *Server) authorize(sess *session, u *account) *tg.AuthAuthorization {
	k := s.keys[sess.key.ID]
	k.UserID, k.Revoked = u.ID, false
	delete(s.twoFA, sess.key.ID)
	delete(s.srp, sess.key.ID)
	s.persist()
	s.log.Info("signed in", "user_id", u.ID, "session", sess.id)
	return &tg.AuthAuthorization{User: s.st.view(u.ID, u, true)}
}

// passwordAlgo is the KDF description of a stored password.
func passwordAlgo(pw *password) *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
	return &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
		Salt1: pw.Salt1, Salt2: pw.Salt2, G: 3, P: tgcrypto.TelegramPrime(),
	}
}

func (s *Server) getPassword(ctx context.Context) (*tg.AccountPassword, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	defer s.mu.Unlock()
	uid := s.twoFA[sess.key.ID]
	if uid == 0 {
		uid = s.userOf(sess)
	}
	if uid == 0 {
		return nil, errAuthRequired
	}
	secureRandom := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, secureRandom); err != nil {
		return nil, err
	}
	out := &tg.AccountPassword{
		NewAlgo: &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
			Salt1: secureRandom[:8], G: 3, P: tgcrypto.TelegramPrime(),
		},
		NewSecureAlgo: &tg.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000{Salt: secureRandom[8:16]},
		SecureRandom:  secureRandom,
	}
	u := s.st.Users[uid]
	if u == nil || u.Password == nil {
		out.SetFlags()
		return out, nil
	}
	// B = k·v + g^b mod p, with k = H(p | g).
	p := new(big.Int).SetBytes(tgcrypto.TelegramPrime())
	g := big.NewInt(3)
	b := make([]byte, 256)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, err
	}
	bInt := new(big.Int).SetBytes(b)
	k := new(big.Int).SetBytes(hash256(p.FillBytes(make([]byte, 256)), g.FillBytes(make([]byte, 256))))
	v := new(big.Int).SetBytes(u.Password.Verifier)
	gB := new(big.Int).Mul(k, v)
	gB.Add(gB, new(big.Int).Exp(g, bInt, p)).Mod(gB, p)
	srpID := randInt64(s.rand)
	s.srp[sess.key.ID] = &srpSession{id: srpID, b: bInt, gB: gB.FillBytes(make([]byte, 256)), user: uid}
	out.HasPassword = true
	out.CurrentAlgo = passwordAlgo(u.Password)
	out.SRPB = s.srp[sess.key.ID].gB
	out.SRPID = srpID
	out.Hint = u.Password.Hint
	out.SetFlags()
	return out, nil
}

func hash256(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func (s *Server) checkPassword(ctx context.Context, in tg.InputCheckPasswordSRPClass) (tg.AuthAuthorizationClass, error) {
	sess := requestOf(ctx).sess
	check, ok := in.(*tg.InputCheckPasswordSRP)
	if !ok {
		return nil, errNoPassword
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.srp[sess.key.ID]
	if ss == nil || ss.id != check.SRPID {
		return nil, errSRPID
	}
	delete(s.srp, sess.key.ID) // one attempt per getPassword, as on Telegram
	u := s.st.Users[ss.user]
	if u == nil || u.Password == nil {
		return nil, errNoPassword
	}
	if !srpVerify(u.Password, ss, check.A, check.M1) {
		return nil, errPasswordHash
	}
	return s.authorize(sess, u), nil
}

// srpVerify checks the client's proof M1 for its public value A.
func srpVerify(pw *password, ss *srpSession, aBytes, m1 []byte) bool {
	p := new(big.Int).SetBytes(tgcrypto.TelegramPrime())
	a := new(big.Int).SetBytes(aBytes)
	if len(aBytes) > 256 || a.Sign() <= 0 || a.Cmp(p) >= 0 {
		return false
	}
	gA := a.FillBytes(make([]byte, 256))
	u := new(big.Int).SetBytes(hash256(gA, ss.gB))
	v := new(big.Int).SetBytes(pw.Verifier)
	// S = (A · v^u)^b mod p
	sv := new(big.Int).Exp(v, u, p)
	sv.Mul(sv, a).Mod(sv, p)
	sv.Exp(sv, ss.b, p)
	kA := hash256(sv.FillBytes(make([]byte, 256)))
	g := big.NewInt(3).FillBytes(make([]byte, 256))
	hp, hg := sha256.Sum256(tgcrypto.TelegramPrime()), sha256.Sum256(g)
	for i := range hp {
		hp[i] ^= hg[i]
	}
	want := hash256(hp[:], hash256(pw.Salt1), hash256(pw.Salt2), gA, ss.gB, kA)
	return subtle.ConstantTimeCompare(want, m1) == 1
}

func (s *Server) logOut(ctx context.Context) (*tg.AuthLoggedOut, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.keys[sess.key.ID]; k != nil && k.UserID != 0 {
		s.log.Info("logged out", "user_id", k.UserID)
		k.UserID = 0
		s.persist()
	}
	return &tg.AuthLoggedOut{}, nil
}

// exportLoginToken starts (or, once scanned, finishes) a QR login. A
// session the login has signed in is answered the success again, not a
// new token: a client's token refresh can ask at the moment the scan
// lands (gotd's qrlogin refreshes the token as it expires and asks again
// on updateLoginToken), and the second ask must not start a login over.
func (s *Server) exportLoginToken(ctx context.Context) (tg.AuthLoginTokenClass, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.Users[s.userOf(sess)]; u != nil {
		return &tg.AuthLoginTokenSuccess{Authorization: &tg.AuthAuthorization{User: s.st.view(u.ID, u, true)}}, nil
	}
	if _, owes := s.twoFA[sess.key.ID]; owes {
		return nil, errPassword // scanned; the password is still owed
	}
	for name, lt := range s.logins {
		if lt.waiting.key.ID != sess.key.ID {
			continue
		}
		delete(s.logins, name)
		if lt.accepted != 0 {
			if u := s.st.Users[lt.accepted]; u != nil {
				return s.loginTokenSuccess(sess, u)
			}
		}
	}
	tok := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, tok); err != nil {
		return nil, err
	}
	lt := &loginToken{token: tok, waiting: sess, expires: time.Now().Add(loginTokenTTL)}
	s.logins[hex.EncodeToString(tok)] = lt
	return &tg.AuthLoginToken{Expires: int(lt.expires.Unix()), Token: tok}, nil
}

func (s *Server) importLoginToken(ctx context.Context, tok []byte) (tg.AuthLoginTokenClass, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	defer s.mu.Unlock()
	lt := s.logins[hex.EncodeToString(tok)]
	if lt == nil {
		return nil, errTokenInvalid
	}
	if lt.accepted == 0 {
		return &tg.AuthLoginToken{Expires: int(lt.expires.Unix()), Token: tok}, nil
	}
	delete(s.logins, hex.EncodeToString(tok))
	u := s.st.Users[lt.accepted]
	if u == nil {
		return nil, errTokenInvalid
	}
	return s.loginTokenSuccess(sess, u)
}

// loginTokenSuccess finishes a QR login; an account with a 2FA password
// still owes it, as on Telegram. Caller holds mu.
func (s *Server) loginTokenSuccess(sess *session, u *account) (tg.AuthLoginTokenClass, error) {
	if u.Password != nil {
		s.twoFA[sess.key.ID] = u.ID
		return nil, errPassword
	}
	return &tg.AuthLoginTokenSuccess{Authorization: s.authorize(sess, u)}, nil
}

// acceptLoginToken is the scan: a signed-in device approves the token.
func (s *Server) acceptLoginToken(ctx context.Context, tok []byte) (*tg.Authorization, error) {
	sess := requestOf(ctx).sess
	s.mu.Lock()
	uid := s.userOf(sess)
	lt := s.logins[hex.EncodeToString(tok)]
	var ds []delivery
	switch {
	case uid == 0:
		s.mu.Unlock()
		return nil, errAuthRequired
	case lt == nil:
		s.mu.Unlock()
		return nil, errTokenInvalid
	case time.Now().After(lt.expires):
		delete(s.logins, hex.EncodeToString(tok))
		s.mu.Unlock()
		return nil, errTokenExpired
	}
	lt.accepted = uid
	if lt.waiting.conn != nil {
		ds = append(ds, delivery{sess: lt.waiting, msg: &tg.Updates{Updates: []tg.UpdateClass{&tg.UpdateLoginToken{}}, Date: int(time.Now().Unix())}})
	}
	s.mu.Unlock()
	s.deliver(ds)
	now := int(time.Now().Unix())
	return &tg.Authorization{Hash: randInt64(s.rand), DeviceModel: "tgphone", Platform: "sandbox",
		SystemVersion: "sandbox", AppName: "tgphone", AppVersion: "sandbox", DateCreated: now, DateActive: now,
		IP: "127.0.0.1", Country: "Sandbox", Region: "Loopback"}, nil
}
