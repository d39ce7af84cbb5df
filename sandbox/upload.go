package sandbox

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"slices"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Small file uploads (upload.saveFilePart) and phone.saveCallLog, which
// takes one: a client sends its call log when the server asked for the
// call's debug information.

const (
	maxFilePart    = 512 << 10 // Telegram's largest part
	maxUploadBytes = 8 << 20   // per account, pending
	maxPendingFile = 16        // per account
)

var (
	errFilePartInvalid = tgerr.New(400, "FILE_PART_INVALID")
	errFilePartsLimit  = tgerr.New(400, "FILE_PARTS_INVALID")
	errFilePartMissing = tgerr.New(400, "FILE_PART_0_MISSING")
	errMD5Invalid      = tgerr.New(400, "MD5_CHECKSUM_INVALID")
)

type uploadKey struct {
	user int64
	file int64
}

func (s *Server) saveFilePart(ctx context.Context, req *tg.UploadSaveFilePartRequest) (bool, error) {
	if req.FilePart < 0 || req.FilePart >= 4000 || len(req.Bytes) > maxFilePart {
		return false, errFilePartInvalid
	}
	return asUser(s, ctx, func(me *account) (bool, error) {
		k := uploadKey{me.ID, req.FileID}
		total, files := 0, 0
		for key, parts := range s.uploads {
			if key.user != me.ID {
				continue
			}
			files++
			for _, p := range parts {
				total += len(p)
			}
		}
		if total+len(req.Bytes) > maxUploadBytes || (s.uploads[k] == nil && files >= maxPendingFile) {
			return false, errFilePartsLimit
		}
		if s.uploads[k] == nil {
			s.uploads[k] = map[int][]byte{}
		}
		s.uploads[k][req.FilePart] = slices.Clone(req.Bytes)
		return true, nil
	})
}

// takeUpload assembles and forgets an uploaded file. Caller holds mu.
func (s *Server) takeUpload(uid int64, in tg.InputFileClass) ([]byte, error) {
	f, ok := in.(*tg.InputFile)
	if !ok || f.Parts <= 0 {
		return nil, errFilePartsLimit
	}
	k := uploadKey{uid, f.ID}
	parts := s.uploads[k]
	var data []byte
	for i := range f.Parts {
		p, ok := parts[i]
		if !ok {
			return nil, errFilePartMissing
		}
		data = append(data, p...)
	}
	if f.MD5Checksum != "" {
		sum := md5.Sum(data)
		if hex.EncodeToString(sum[:]) != f.MD5Checksum {
			return nil, errMD5Invalid
		}
	}
	delete(s.uploads, k)
	return data, nil
}

func (s *Server) saveCallLog(ctx context.Context, req *tg.PhoneSaveCallLogRequest) (bool, error) {
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		data, err := s.takeUpload(me.ID, req.File)
		if err != nil {
			return nil, err
		}
		s.log.Info("call log received", "call_id", c.id, "by", me.ID, "bytes", len(data))
		if len(s.callLogs[c.id]) < 4 {
			s.callLogs[c.id] = append(s.callLogs[c.id], data)
		}
		return nil, nil
	})
	return err == nil, err
}

// CallLogs returns the call log files (phone.saveCallLog) clients sent for a call.
func (s *Server) CallLogs(callID int64) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.callLogs[callID])
}
