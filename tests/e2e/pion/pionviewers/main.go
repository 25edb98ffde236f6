// pionviewers: N Pion viewers (Debian golang-github-pion-webrtc.v3-dev) of one bridged
// streaming room, in one process. Each offers recvonly audio and video to
// POST {api}/v1/rooms/{room}/participants, applies the answer, counts the RTP packets it
// receives per kind for a while, and the whole run prints one JSON array.
//
// Build offline in GOPATH mode (tests/e2e/conftest.py does it):
//   GO111MODULE=off GOPATH=$WORK:/usr/share/gocode go build -o pionviewers .
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v3"
)

type result struct {
	ID             int    `json:"id"`
	Participant    string `json:"participant"`
	State          string `json:"state"`
	VideoPackets   uint64 `json:"video_packets"`
	AudioPackets   uint64 `json:"audio_packets"`
	FirstVideoMs   int64  `json:"first_video_ms"`
	Error          string `json:"error,omitempty"`
}

func join(api *webrtc.API, base, room string, id int, seconds int) (r result) {
	r.ID = id
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		r.Error = err.Error()
		return
	}
	defer pc.Close()
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			r.Error = err.Error()
			return
		}
	}
	var video, audio uint64
	var firstVideo int64
	start := time.Now()
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		go func() {
			buf := make([]byte, 1600)
			for {
				if _, _, err := t.Read(buf); err != nil {
					return
				}
				if t.Kind() == webrtc.RTPCodecTypeVideo {
					if atomic.AddUint64(&video, 1) == 1 {
						atomic.StoreInt64(&firstVideo, time.Since(start).Milliseconds())
					}
				} else {
					atomic.AddUint64(&audio, 1)
				}
			}
		}()
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		r.Error = err.Error()
		return
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err = pc.SetLocalDescription(offer); err != nil {
		r.Error = err.Error()
		return
	}
	<-gathered
	body, _ := json.Marshal(map[string]string{"role": "viewer", "display": fmt.Sprintf("pion-%d", id), "offer": pc.LocalDescription().SDP})
	resp, err := http.Post(fmt.Sprintf("%s/v1/rooms/%s/participants", base, room), "application/json", bytes.NewReader(body))
	if err != nil {
		r.Error = err.Error()
		return
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		r.Error = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, raw)
		return
	}
	var created struct {
		ID     string `json:"id"`
		Answer string `json:"answer"`
	}
	if err = json.Unmarshal(raw, &created); err != nil {
		r.Error = err.Error()
		return
	}
	r.Participant = created.ID
	if err = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: created.Answer}); err != nil {
		r.Error = err.Error()
		return
	}
	time.Sleep(time.Duration(seconds) * time.Second)
	r.State = pc.ConnectionState().String()
	r.VideoPackets = atomic.LoadUint64(&video)
	r.AudioPackets = atomic.LoadUint64(&audio)
	r.FirstVideoMs = atomic.LoadInt64(&firstVideo)
	return
}

func main() {
	base := flag.String("api", "http://127.0.0.1:8080", "bridged control API")
	room := flag.String("room", "live", "streaming room")
	n := flag.Int("n", 50, "viewers")
	seconds := flag.Int("seconds", 8, "how long each viewer watches")
	flag.Parse()

	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true) // the tests run where only lo exists
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))

	results := make([]result, *n)
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = join(api, *base, *room, i, *seconds)
		}(i)
	}
	wg.Wait()
	json.NewEncoder(os.Stdout).Encode(results)
}
